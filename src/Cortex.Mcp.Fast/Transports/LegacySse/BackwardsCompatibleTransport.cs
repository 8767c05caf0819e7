using System.Runtime.CompilerServices;
using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Operations;
using Cortex.Mcp.Fast.Transports.StreamableHttp;

namespace Cortex.Mcp.Fast.Transports.LegacySse;

/// <summary>
/// <see cref="McpProtocol.StreamableHttpOrLegacySse"/>: the spec's backwards-compatibility probe (2025-03-26 and
/// later, transports). The first operation POSTs <c>initialize</c> (Streamable HTTP); only when that POST is refused
/// with a legacy signal does it GET the URL expecting the legacy <c>endpoint</c> event. The choice is remembered
/// for the endpoint (this instance), and every later operation goes to the chosen transport.
/// </summary>
/// <remarks>
/// <para>A legacy signal is an HTTP 4xx other than 400 (a server that read the POST as MCP and refused its content,
/// such as a Streamable HTTP server refusing a session-less request), 401, 403 and 407 (authentication), 408 and 429
/// (try again later). When the GET does not give an endpoint event either, the POST's failure is reported.</para>
/// <para>Thread-safe: one probe runs; concurrent first operations wait for it.</para>
/// </remarks>
internal sealed class BackwardsCompatibleTransport : IMcpTransport
{
    private readonly Func<IMcpTransport> _createLegacy;
    private readonly SemaphoreSlim _probeGate = new(1, 1);
    private IMcpTransport _current;
    private volatile bool _decided;

    public BackwardsCompatibleTransport(IMcpTransport streamable, Func<IMcpTransport> createLegacy)
    {
        _current = streamable;
        _createLegacy = createLegacy;
    }

    /// <summary>The transport chosen so far (intended for testing).</summary>
    internal IMcpTransport Current => Volatile.Read(ref _current);

    public Uri Address => Current.Address;

    public int OpenConnections => Current.OpenConnections;

    /// <summary>True for an HTTP status that the probe reads as "this is a legacy HTTP+SSE server".</summary>
    internal static bool IsLegacySignal(TransportFailure failure) =>
        failure.Kind == FailureKind.HttpStatus && !failure.SessionLost
        && failure.StatusCode is >= 400 and <= 499 and not (400 or 401 or 403 or 407 or 408 or 429);

    public async ValueTask WarmUpAsync(int connections, CancellationToken cancellationToken)
    {
        try
        {
            await DecideAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (TransportFailure)
        {
            // Best effort, like the transports themselves.
        }

        await Current.WarmUpAsync(connections, cancellationToken).ConfigureAwait(false);
    }

    public string? ValidateResourcePath(string path) => Current.ValidateResourcePath(path);

    public async ValueTask<ToolResult> CallToolAsync(string tool, ReadOnlyMemory<byte> argumentsUtf8, Cortex.Mcp.Fast.Transports.ToolCallMeta meta, IProgress<McpProgress>? progress, CancellationToken cancellationToken) =>
        await (await DecideAsync(cancellationToken).ConfigureAwait(false)).CallToolAsync(tool, argumentsUtf8, meta, progress, cancellationToken).ConfigureAwait(false);

    public ValueTask<ToolResult> ResumeToolCallAsync(ToolCallResumption resumption, CancellationToken cancellationToken) =>
        Current.ResumeToolCallAsync(resumption, cancellationToken);

    public async ValueTask<IReadOnlyList<McpToolInfo>> ListToolsAsync(CancellationToken cancellationToken) =>
        await (await DecideAsync(cancellationToken).ConfigureAwait(false)).ListToolsAsync(cancellationToken).ConfigureAwait(false);

    public async IAsyncEnumerable<T> ReadResourceAsync<T>(string path, Utf8ItemReader<T> readItem, Action<Exception> onInvalidItem, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var transport = await DecideAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var item in transport.ReadResourceAsync(path, readItem, onInvalidItem, cancellationToken).ConfigureAwait(false))
        {
            yield return item;
        }
    }

    public async IAsyncEnumerable<McpResourceUpdate> SubscribeResourceAsync(string uri, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var transport = await DecideAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var update in transport.SubscribeResourceAsync(uri, cancellationToken).ConfigureAwait(false))
        {
            yield return update;
        }
    }

    public async ValueTask<bool> NotifyRootsChangedAsync(CancellationToken cancellationToken) =>
        _decided && await Current.NotifyRootsChangedAsync(cancellationToken).ConfigureAwait(false);

    public async ValueTask<T> SendRequestAsync<TState, T>(McpRequest request, TState state, McpParamsWriter<TState>? writeParams, McpResultParser<T> parse, CancellationToken cancellationToken) =>
        await (await DecideAsync(cancellationToken).ConfigureAwait(false)).SendRequestAsync(request, state, writeParams, parse, cancellationToken).ConfigureAwait(false);

    public async ValueTask<McpServerInfo> GetServerInfoAsync(CancellationToken cancellationToken) =>
        await (await DecideAsync(cancellationToken).ConfigureAwait(false)).GetServerInfoAsync(cancellationToken).ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        await Current.DisposeAsync().ConfigureAwait(false);
        _probeGate.Dispose();
    }

    /// <summary>The transport to use, probing once: the handshake (Streamable HTTP) decides.</summary>
    private async ValueTask<IMcpTransport> DecideAsync(CancellationToken cancellationToken)
    {
        if (_decided)
        {
            return Current;
        }

        await _probeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_decided)
            {
                return Current;
            }

            var streamable = Current;
            try
            {
                // GetServerInfoAsync starts the session: the initialize POST is the probe.
                await streamable.GetServerInfoAsync(cancellationToken).ConfigureAwait(false);
                _decided = true;
                return streamable;
            }
            catch (TransportFailure failure) when (IsLegacySignal(failure))
            {
                var legacy = _createLegacy();
                try
                {
                    await legacy.GetServerInfoAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (TransportFailure)
                {
                    await legacy.DisposeAsync().ConfigureAwait(false);
                    throw failure; // not legacy either: the POST's refusal is the answer
                }
                catch
                {
                    await legacy.DisposeAsync().ConfigureAwait(false);
                    throw;
                }

                Volatile.Write(ref _current, legacy);
                _decided = true;
                await streamable.DisposeAsync().ConfigureAwait(false);
                return legacy;
            }
        }
        finally
        {
            _probeGate.Release();
        }
    }
}
