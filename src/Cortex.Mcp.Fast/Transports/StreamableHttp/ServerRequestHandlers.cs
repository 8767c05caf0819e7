using System.Buffers;
using System.Text.Json;

namespace Cortex.Mcp.Fast.Transports.StreamableHttp;

/// <summary>
/// The typed handlers of one service (from its <see cref="McpOptions"/> snapshot) and the capabilities they stand for:
/// turns a server request into a handler call and the handler's answer into a JSON-RPC <c>result</c>.
/// </summary>
/// <remarks>Immutable; thread-safe.</remarks>
internal sealed class ServerRequestHandlers
{
    private readonly string _service;
    private readonly McpSamplingHandler? _sampling;
    private readonly McpElicitationHandler? _elicitation;
    private readonly McpRootsHandler? _roots;
    private readonly McpServerRequestHandler? _raw;
    private readonly McpElicitationModes _elicitationModes;
    private readonly bool _applyDefaults;

    /// <summary>Takes the handlers of <paramref name="options"/> (a snapshot: later edits do not reach them).</summary>
    public ServerRequestHandlers(string service, McpOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        _service = service;
        _sampling = options.SamplingHandler;
        _elicitation = options.ElicitationHandler;
        _roots = options.RootsHandler;
        _raw = options.ServerRequestHandler;
        _elicitationModes = options.ElicitationModes;
        _applyDefaults = options.ApplyElicitationDefaults;
        Timeout = options.ServerRequestTimeout;
        TimeProvider = timeProvider;
        Identity = McpClientIdentity.From(options);
    }

    /// <summary>What the client declares: exactly the capabilities of the handlers above.</summary>
    public McpClientIdentity Identity { get; }

    /// <summary>True when any handler is set.</summary>
    public bool Any => _sampling is not null || _elicitation is not null || _roots is not null || _raw is not null;

    /// <summary>True when a roots handler is set (then <c>notifications/roots/list_changed</c> may be sent).</summary>
    public bool HasRoots => _roots is not null;

    /// <summary>The longest one answer may take.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>The clock of <see cref="Timeout"/>.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>True when a handler serves <paramref name="method"/> (ping is answered before this is asked).</summary>
    public bool Serves(McpMethod method) => method switch
    {
        McpMethod.SamplingCreateMessage => _sampling is not null,
        McpMethod.ElicitationCreate => _elicitation is not null,
        McpMethod.RootsList => _roots is not null,
        _ => _raw is not null,
    };

    /// <summary>Runs the handler of <paramref name="request"/> (one that <see cref="Serves"/>) and encodes its answer.</summary>
    /// <returns>The <c>result</c> as UTF-8 JSON, or null when the raw handler declined.</returns>
    /// <exception cref="FormatException">The request's params are malformed.</exception>
    /// <exception cref="ElicitationModeNotDeclaredException">An elicitation in a mode we did not declare.</exception>
    /// <exception cref="ArgumentException">The handler's answer breaks the protocol.</exception>
    public async ValueTask<byte[]?> HandleAsync(ServerRequest request, CancellationToken cancellationToken)
    {
        switch (request.Method)
        {
            case McpMethod.SamplingCreateMessage:
                var sampling = ServerRequestCodec.ReadSampling(_service, request.Params);
                var sampled = await _sampling!(sampling, cancellationToken).ConfigureAwait(false);
                return Encode(sampled, static (json, result) => ServerRequestCodec.WriteSamplingResult(json, result));

            case McpMethod.ElicitationCreate:
                var elicitation = ServerRequestCodec.ReadElicitation(_service, request.Params);
                var mode = elicitation.Mode == McpElicitationMode.Url ? McpElicitationModes.Url : McpElicitationModes.Form;
                if ((_elicitationModes & mode) == 0)
                {
                    throw new ElicitationModeNotDeclaredException();
                }

                var answer = await _elicitation!(elicitation, cancellationToken).ConfigureAwait(false);
                return Encode((elicitation, answer, _applyDefaults), static (json, state) => ServerRequestCodec.WriteElicitationResult(json, state.elicitation, state.answer, state._applyDefaults));

            case McpMethod.RootsList:
                var roots = await _roots!(new McpRootsRequest { Service = _service }, cancellationToken).ConfigureAwait(false);
                return Encode(roots, static (json, list) => ServerRequestCodec.WriteRootsResult(json, list));

            default:
                return await _raw!(request.MethodName, request.Params, cancellationToken).ConfigureAwait(false);
        }
    }

    private static byte[] Encode<T>(T value, Action<Utf8JsonWriter, T> write)
    {
        if (value is null)
        {
            throw new ArgumentException("the handler returned null.", nameof(value));
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            write(json, value);
        }

        return buffer.WrittenSpan.ToArray();
    }
}

/// <summary>An <c>elicitation/create</c> in a mode the client did not declare (answered -32602).</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1032:Implement standard exception constructors", Justification = "Internal control signal.")]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1064:Exceptions should be public", Justification = "Never escapes the library.")]
internal sealed class ElicitationModeNotDeclaredException() : Exception("The elicitation mode was not declared.");
