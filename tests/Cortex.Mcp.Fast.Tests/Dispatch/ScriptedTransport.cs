using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Transports;

namespace Cortex.Mcp.Fast.Tests.Dispatch;

/// <summary>
/// An in-process transport for dispatcher unit tests (no wire involved: the dispatcher's logic is under test).
/// Each tool's behaviour is a script; every attempt is counted and signalled. Failures are thrown as
/// <see cref="TransportFailure"/>, as the real transports report them.
/// </summary>
internal sealed class ScriptedTransport(string address = "http://127.0.0.1:1/") : IMcpTransport
{
    private readonly ConcurrentDictionary<string, Func<int, CancellationToken, ValueTask<ToolResult>>> _scripts = new();
    private readonly ConcurrentDictionary<string, int> _attempts = new();
    private readonly SemaphoreSlim _attemptStarted = new(0);
    private int _resumes;

    public Uri Address { get; } = new(address);

    /// <summary>How <see cref="ResumeToolCallAsync"/> behaves: called with the resumption; the default succeeds.</summary>
    public Func<ToolCallResumption, CancellationToken, ValueTask<ToolResult>>? ResumeScript { get; set; }

    /// <summary>How <see cref="ListToolsAsync"/> behaves; the default returns no tools.</summary>
    public Func<CancellationToken, ValueTask<IReadOnlyList<McpToolInfo>>>? ListToolsScript { get; set; }

    /// <summary>How a resource stream behaves: yields raw JSON items; the default yields one <c>{}</c>.</summary>
    public Func<string, CancellationToken, IAsyncEnumerable<string>>? ResourceScript { get; set; }

    /// <summary>Resumption legs run so far.</summary>
    public int Resumes => Volatile.Read(ref _resumes);

    public int OpenConnections => 0;

    public int TotalAttempts => _attempts.Values.Sum();

    public bool Disposed { get; private set; }

    public int Attempts(string tool) => _attempts.TryGetValue(tool, out var n) ? n : 0;

    /// <summary>Sets the behaviour of <paramref name="tool"/>: called with the 1-based attempt number.</summary>
    public void Script(string tool, Func<int, CancellationToken, ValueTask<ToolResult>> script) => _scripts[tool] = script;

    /// <summary>Waits until some attempt has started (bounded by the test's token).</summary>
    public Task WaitForAttemptAsync(CancellationToken cancellationToken) => _attemptStarted.WaitAsync(cancellationToken);

    public ValueTask WarmUpAsync(int connections, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask<ToolResult> CallToolAsync(string tool, ReadOnlyMemory<byte> argumentsUtf8, Cortex.Mcp.Fast.Transports.ToolCallMeta meta, IProgress<McpProgress>? progress, CancellationToken cancellationToken)
    {
        var attempt = _attempts.AddOrUpdate(tool, 1, static (_, n) => n + 1);
        _attemptStarted.Release();
        return _scripts.TryGetValue(tool, out var script)
            ? script(attempt, cancellationToken)
            : new ValueTask<ToolResult>(ToolResult.FromUtf8(argumentsUtf8.Span));
    }

    public string? ValidateResourcePath(string path) => string.IsNullOrEmpty(path) ? "empty" : null;

    public async IAsyncEnumerable<T> ReadResourceAsync<T>(string path, Utf8ItemReader<T> readItem, Action<Exception> onInvalidItem, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        if (ResourceScript is null)
        {
            yield return readItem("{}"u8);
            yield break;
        }

        await foreach (var json in ResourceScript(path, cancellationToken).WithCancellation(cancellationToken))
        {
            yield return readItem(System.Text.Encoding.UTF8.GetBytes(json));
        }
    }

    public ValueTask<ToolResult> ResumeToolCallAsync(ToolCallResumption resumption, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _resumes);
        _attemptStarted.Release();
        if (ResumeScript is { } script)
        {
            return script(resumption, cancellationToken);
        }

        resumption.Dispose(); // the transport owns it once handed back
        return new ValueTask<ToolResult>(Ok("{\"resumed\":true}"));
    }

    public ValueTask<IReadOnlyList<McpToolInfo>> ListToolsAsync(CancellationToken cancellationToken) =>
        ListToolsScript?.Invoke(cancellationToken) ?? new(Array.Empty<McpToolInfo>());

    public async IAsyncEnumerable<McpResourceUpdate> SubscribeResourceAsync(string uri, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        yield break;
    }

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        return ValueTask.CompletedTask;
    }

    public static ToolResult Ok(string json = "{\"ok\":true}") => ToolResult.FromUtf8(System.Text.Encoding.UTF8.GetBytes(json));

    /// <summary>A non-success status, as a transport reports it (the tool name is the test's label only).</summary>
    public static TransportFailure Status(string tool, int status, TimeSpan? retryAfter = null) =>
        TransportFailure.Status(status, $"HTTP {status} ({tool})", retryAfter);

    /// <summary>No connection could be made: the request provably never left.</summary>
    public static TransportFailure ConnectFailure(string tool) =>
        TransportFailure.ConnectFailed($"refused ({tool})", null);

    /// <summary>The connection broke after the request may have reached the server.</summary>
    public static TransportFailure Network(string tool) =>
        TransportFailure.Network($"reset ({tool})");

    /// <summary>A script that waits for <paramref name="gate"/> (or cancellation) and then succeeds.</summary>
    public static Func<int, CancellationToken, ValueTask<ToolResult>> Gated(Task gate) => async (_, ct) =>
    {
        await gate.WaitAsync(ct).ConfigureAwait(false);
        return Ok();
    };
}

/// <summary>A resumption for tests: a fixed delay, and whether it was disposed.</summary>
internal sealed class TestResumption(TimeSpan delay) : ToolCallResumption
{
    private int _disposed;

    public override TimeSpan Delay { get; } = delay;

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    public int DisposeCount => Volatile.Read(ref _disposed);

    protected override void Dispose(bool disposing) => Interlocked.Increment(ref _disposed);
}
