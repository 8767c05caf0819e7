using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Cortex.Mcp.Fast.Transports;

namespace Cortex.Mcp.Fast.Tests.Dispatch;

/// <summary>
/// An in-process transport for dispatcher unit tests (no wire involved: the dispatcher's logic is under test).
/// Each tool's behaviour is a script; every attempt is counted and signalled.
/// </summary>
internal sealed class ScriptedTransport : IMcpTransport
{
    private readonly ConcurrentDictionary<string, Func<int, CancellationToken, ValueTask<ToolResult>>> _scripts = new();
    private readonly ConcurrentDictionary<string, int> _attempts = new();
    private readonly SemaphoreSlim _attemptStarted = new(0);

    public Uri Endpoint { get; } = new("http://127.0.0.1:1/");

    public int OpenConnections => 0;

    public int TotalAttempts => _attempts.Values.Sum();

    public bool Disposed { get; private set; }

    public int Attempts(string tool) => _attempts.TryGetValue(tool, out var n) ? n : 0;

    /// <summary>Sets the behaviour of <paramref name="tool"/>: called with the 1-based attempt number.</summary>
    public void Script(string tool, Func<int, CancellationToken, ValueTask<ToolResult>> script) => _scripts[tool] = script;

    /// <summary>Waits until some attempt has started (bounded by the test's token).</summary>
    public Task WaitForAttemptAsync(CancellationToken cancellationToken) => _attemptStarted.WaitAsync(cancellationToken);

    public ValueTask WarmUpAsync(int connections, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask<ToolResult> CallToolAsync(string service, string tool, ReadOnlyMemory<byte> argumentsUtf8, IProgress<McpProgress>? progress, CancellationToken cancellationToken)
    {
        var attempt = _attempts.AddOrUpdate(tool, 1, static (_, n) => n + 1);
        _attemptStarted.Release();
        return _scripts.TryGetValue(tool, out var script)
            ? script(attempt, cancellationToken)
            : new ValueTask<ToolResult>(ToolResult.FromUtf8(argumentsUtf8.Span));
    }

    public string? ValidateResourcePath(string path) => string.IsNullOrEmpty(path) ? "empty" : null;

    public async IAsyncEnumerable<T> StreamResourceAsync<T>(string service, string path, Utf8ItemReader<T> readItem, Action<Exception> onInvalidItem, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        yield return readItem("{}"u8);
    }

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        return ValueTask.CompletedTask;
    }

    public static ToolResult Ok(string json = "{\"ok\":true}") => ToolResult.FromUtf8(System.Text.Encoding.UTF8.GetBytes(json));

    public static ServiceCallException Status(string tool, int status, TimeSpan? retryAfter = null) =>
        new("svc", tool, $"HTTP {status}", Cortex.Mcp.Fast.FailureKind.HttpStatus) { StatusCode = status, RetryAfter = retryAfter };

    public static ServiceCallException ConnectFailure(string tool) =>
        new("svc", tool, "refused", Cortex.Mcp.Fast.FailureKind.ConnectFailure) { RequestNotSent = true };

    public static ServiceCallException Network(string tool) =>
        new("svc", tool, "reset", Cortex.Mcp.Fast.FailureKind.NetworkError);

    /// <summary>A script that waits for <paramref name="gate"/> (or cancellation) and then succeeds.</summary>
    public static Func<int, CancellationToken, ValueTask<ToolResult>> Gated(Task gate) => async (_, ct) =>
    {
        await gate.WaitAsync(ct).ConfigureAwait(false);
        return Ok();
    };
}
