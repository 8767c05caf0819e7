using System.Diagnostics;
using Cortex.Mcp.Fast.Testing;

namespace Cortex.Mcp.Fast.Bench.Infrastructure;

/// <summary>
/// The embedded test service run as a separate process (this program's <c>serve</c> command), so the client's CPU
/// time and allocations are measured alone. Stops when disposed (stdin closed, then killed if it lingers).
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ServiceProcess(Process process, Uri baseAddress, Uri? sdkServerEndpoint)
    {
        _process = process;
        BaseAddress = baseAddress;
        SdkServerEndpoint = sdkServerEndpoint;
    }

    public Uri BaseAddress { get; }

    /// <summary>Gets the CPU time the service process has used so far (what serving the client cost it).</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>The official C# SDK server's stateless MCP endpoint, when started with <c>--sdk-server</c>.</summary>
    public Uri? SdkServerEndpoint { get; }

    public static async Task<ServiceProcess> StartAsync(IEnumerable<string> serveArguments, CancellationToken cancellationToken)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot find this program's path.");
        var info = new ProcessStartInfo(self)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = false,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            // Started as "dotnet Cortex.Mcp.Fast.Bench.dll": run the same assembly.
            info.ArgumentList.Add(typeof(ServiceProcess).Assembly.Location);
        }

        info.ArgumentList.Add("serve");
        foreach (var argument in serveArguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["DOTNET_gcServer"] = "0";
        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start the service process.");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        Uri? sdkServer = null;
        while (true)
        {
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token).ConfigureAwait(false);
            if (line is null)
            {
                throw new InvalidOperationException($"The service process exited before listening (exit code {(process.HasExited ? process.ExitCode : -1)}).");
            }

            if (line.StartsWith(SdkServerHost.ListeningPrefix, StringComparison.Ordinal))
            {
                sdkServer = new Uri(line[SdkServerHost.ListeningPrefix.Length..].Trim());
            }
            else if (line.StartsWith(TestMcpServiceHost.ListeningPrefix, StringComparison.Ordinal))
            {
                return new ServiceProcess(process, new Uri(line[TestMcpServiceHost.ListeningPrefix.Length..].Trim() + "/"), sdkServer);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close(); // the service stops when its stdin ends
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }
        finally
        {
            _process.Dispose();
        }
    }
}
