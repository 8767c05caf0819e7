using System.Collections.Concurrent;
using System.Diagnostics;
using Cortex.Mcp.Fast.IntegrationTests.Interop.Support;

namespace Cortex.Mcp.Fast.IntegrationTests.Interop;

/// <summary>
/// Runs the official TypeScript reference server, <c>@modelcontextprotocol/server-everything</c> (pinned in
/// tests/interop/package.json), in <c>streamableHttp</c> mode on a free 127.0.0.1 port, for one test collection.
/// </summary>
/// <remarks>
/// Start: <c>PORT=&lt;port&gt; node -r tests/interop/loopback.cjs …/server-everything/dist/index.js streamableHttp</c>.
/// The server has no host option, so the preload pins its listen() to 127.0.0.1. Ready when stderr says
/// "MCP Streamable HTTP Server listening on port N" and a TCP connect succeeds. If node or node_modules is missing
/// the fixture fails with a message that says what to run: xunit 2.9.3 has no dynamic skip, and under CI a missing
/// peer must be a failure anyway.
/// </remarks>
public sealed class EverythingServerFixture : IAsyncLifetime
{
    /// <summary>How long node may take to print its listening line (cold start on a busy 2-core machine).</summary>
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Ports handed out that another process may grab first; retried this many times.</summary>
    private const int MaxBindAttempts = 4;

    /// <summary>Recent output lines of the server, for failure messages; bounded.</summary>
    private readonly ConcurrentQueue<string> _output = new();

    private Process? _process;

    /// <summary>The MCP endpoint, <c>http://127.0.0.1:{port}/mcp</c>.</summary>
    public Uri Endpoint { get; private set; } = null!;

    /// <summary>The server's recent stdout/stderr lines (diagnostics only).</summary>
    public string RecentOutput => string.Join(Environment.NewLine, _output);

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        var interop = RepositoryPaths.Interop;
        var entry = Path.Combine(interop, "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js");
        var preload = Path.Combine(interop, "loopback.cjs");
        var node = NodeLocator.Find() ?? throw new InvalidOperationException(
            "Interop tests need Node.js: no 'node' on PATH (or set NODE to its path). " + CiHint());
        if (!File.Exists(entry))
        {
            throw new InvalidOperationException(
                "Interop tests need the pinned reference server: run `npm ci` in tests/interop (.ci/run does it). " + CiHint());
        }

        for (var attempt = 1; attempt <= MaxBindAttempts; attempt++)
        {
            var port = LoopbackPorts.GetFreePort();
            var outcome = await StartAsync(node, preload, entry, port);
            if (outcome == StartOutcome.Ready)
            {
                Endpoint = new Uri($"http://127.0.0.1:{port}/mcp");
                return;
            }

            await StopAsync();
            if (outcome != StartOutcome.AddressInUse)
            {
                throw new InvalidOperationException(
                    $"server-everything did not start ({outcome}) on port {port}. Output:{Environment.NewLine}{RecentOutput}");
            }
        }

        throw new InvalidOperationException($"server-everything: no free port after {MaxBindAttempts} attempts. Output:{Environment.NewLine}{RecentOutput}");
    }

    /// <inheritdoc/>
    public Task DisposeAsync() => StopAsync();

    private async Task<StartOutcome> StartAsync(string node, string preload, string entry, int port)
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
        info.ArgumentList.Add("streamableHttp");
        info.Environment["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var ready = new TaskCompletionSource<StartOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        var listeningLine = $"listening on port {port}";
        void OnLine(object? sender, DataReceivedEventArgs e)
        {
            if (e.Data is null)
            {
                return;
            }

            Remember(e.Data);
            if (e.Data.Contains(listeningLine, StringComparison.Ordinal))
            {
                ready.TrySetResult(StartOutcome.Ready);
            }
            else if (e.Data.Contains("EADDRINUSE", StringComparison.Ordinal) || e.Data.Contains("already in use", StringComparison.Ordinal))
            {
                ready.TrySetResult(StartOutcome.AddressInUse);
            }
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += OnLine;
        process.ErrorDataReceived += OnLine;
        process.Exited += (_, _) => ready.TrySetResult(StartOutcome.Exited);
        _process = process;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        StartOutcome outcome;
        try
        {
            outcome = await ready.Task.WaitAsync(s_startTimeout);
        }
        catch (TimeoutException)
        {
            return StartOutcome.TimedOut;
        }

        if (outcome == StartOutcome.Exited && RecentOutput.Contains("EADDRINUSE", StringComparison.Ordinal))
        {
            return StartOutcome.AddressInUse;
        }

        if (outcome != StartOutcome.Ready)
        {
            return outcome;
        }

        // The line is printed from the listen callback, so the socket is bound; one bounded check confirms it.
        using var cts = new CancellationTokenSource(s_startTimeout);
        return await LoopbackPorts.WaitUntilAcceptingAsync(port, attempts: 20, TimeSpan.FromSeconds(1), cts.Token)
            ? StartOutcome.Ready
            : StartOutcome.NotAccepting;
    }

    private async Task StopAsync()
    {
        var process = Interlocked.Exchange(ref _process, null);
        if (process is null)
        {
            return;
        }

        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await process.WaitForExitAsync(cts.Token);
        }
        catch (InvalidOperationException)
        {
            // Never started or already gone.
        }
        catch (OperationCanceledException)
        {
            Remember("(server-everything did not exit within 15 s of being killed)");
        }
        finally
        {
            process.Dispose();
        }
    }

    private void Remember(string line)
    {
        _output.Enqueue(line);
        while (_output.Count > 200 && _output.TryDequeue(out _))
        {
        }
    }

    private static string CiHint() =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase)
            ? "(CI=true: this is a failure, not a skip.)"
            : "(xunit 2.9.3 cannot skip at run time, so this fails rather than skips.)";

    private enum StartOutcome
    {
        Ready,
        AddressInUse,
        Exited,
        TimedOut,
        NotAccepting,
    }
}

/// <summary>One server-everything process shared by the tests of the collection.</summary>
[CollectionDefinition(Name)]
public sealed class EverythingServerGroup : ICollectionFixture<EverythingServerFixture>
{
    /// <summary>Collection name.</summary>
    public const string Name = "server-everything";
}
