using System.Collections.Concurrent;
using System.Diagnostics;
using Cortex.Mcp.Fast.IntegrationTests.Interop.Support;

namespace Cortex.Mcp.Fast.IntegrationTests.LegacySse;

/// <summary>
/// The official reference server, <c>@modelcontextprotocol/server-everything</c> (pinned in tests/interop), in its
/// legacy <c>sse</c> mode (GET <c>/sse</c>, POST <c>/message</c>) on a free 127.0.0.1 port (the loopback preload pins
/// its listen()). Ready when stderr says "Server is running on port N".
/// </summary>
public sealed class EverythingSseServerFixture : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(60);
    private const int MaxBindAttempts = 4;
    private readonly ConcurrentQueue<string> _output = new();
    private Process? _process;

    /// <summary>The legacy SSE URL, <c>http://127.0.0.1:{port}/sse</c>.</summary>
    public Uri SseEndpoint { get; private set; } = null!;

    /// <summary>The server's recent output (diagnostics only).</summary>
    public string RecentOutput => string.Join(Environment.NewLine, _output);

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        var interop = RepositoryPaths.Interop;
        var entry = Path.Combine(interop, "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js");
        var node = NodeLocator.Find() ?? throw new InvalidOperationException("Legacy SSE interop tests need Node.js: no 'node' on PATH (or set NODE).");
        if (!File.Exists(entry))
        {
            throw new InvalidOperationException("Legacy SSE interop tests need the pinned reference server: run `npm ci` in tests/interop.");
        }

        for (var attempt = 1; attempt <= MaxBindAttempts; attempt++)
        {
            var port = LoopbackPorts.GetFreePort();
            if (await StartAsync(node, Path.Combine(interop, "loopback.cjs"), entry, port))
            {
                SseEndpoint = new Uri($"http://127.0.0.1:{port}/sse");
                return;
            }

            Stop();
            if (!RecentOutput.Contains("EADDRINUSE", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"server-everything (sse) did not start on port {port}. Output:{Environment.NewLine}{RecentOutput}");
            }
        }

        throw new InvalidOperationException($"server-everything (sse): no free port after {MaxBindAttempts} attempts.");
    }

    /// <inheritdoc/>
    public Task DisposeAsync()
    {
        Stop();
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public void Dispose() => Stop();

    private async Task<bool> StartAsync(string node, string preload, string entry, int port)
    {
        var info = new ProcessStartInfo(node)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = RepositoryPaths.Interop,
        };
        info.ArgumentList.Add("-r");
        info.ArgumentList.Add(preload);
        info.ArgumentList.Add(entry);
        info.ArgumentList.Add("sse");
        info.Environment["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var ready = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var listening = $"running on port {port}";
        void OnLine(object? sender, DataReceivedEventArgs e)
        {
            if (e.Data is null)
            {
                return;
            }

            _output.Enqueue(e.Data);
            while (_output.Count > 50 && _output.TryDequeue(out _))
            {
            }

            if (e.Data.Contains(listening, StringComparison.Ordinal))
            {
                ready.TrySetResult(true);
            }
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += OnLine;
        process.ErrorDataReceived += OnLine;
        process.Exited += (_, _) => ready.TrySetResult(false);
        _process = process;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            return await ready.Task.WaitAsync(s_startTimeout);
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private void Stop()
    {
        if (Interlocked.Exchange(ref _process, null) is not { } process)
        {
            return;
        }

        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        process.Dispose();
    }
}
