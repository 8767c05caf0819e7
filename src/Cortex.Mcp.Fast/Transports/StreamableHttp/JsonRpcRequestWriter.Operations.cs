using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using Cortex.Mcp.Fast.Operations;

namespace Cortex.Mcp.Fast.Transports.StreamableHttp;

/// <summary>The requests of the MCP operations other than tools/call (lists, prompts, completion, logging, ping).</summary>
internal sealed partial class JsonRpcRequestWriter
{
    private static readonly JsonEncodedText s_traceparent = JsonEncodedText.Encode("traceparent");
    private static readonly JsonEncodedText s_tracestate = JsonEncodedText.Encode("tracestate");

    /// <summary>
    /// Writes one request: header, <c>params</c> with the members <paramref name="writeParams"/> writes, then
    /// <c>_meta</c> (the caller's members, the W3C trace context, and the 2026-07-28 metadata) when there is any.
    /// </summary>
    /// <exception cref="ArgumentException">The caller's <see cref="McpRequestOptions.Meta"/> is not a JSON object.</exception>
    public void WriteRequest<TState>(IBufferWriter<byte> output, long id, in McpRequest request, TState state, McpParamsWriter<TState>? writeParams)
    {
        var options = request.Options;
        var meta = options.Meta;
        if (meta.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Object))
        {
            throw new ArgumentException("McpRequestOptions.Meta must be a JSON object.", nameof(request));
        }

        var activity = options.PropagateTraceContext ? Activity.Current : null;
        if (activity is { IdFormat: not ActivityIdFormat.W3C })
        {
            activity = null; // hierarchical ids are not W3C trace context
        }

        var json = Begin(output);
        WriteRequestHeader(json, id, request.Method.Encoded);
        json.WriteStartObject(s_params);
        writeParams?.Invoke(json, state);
        if (meta.ValueKind == JsonValueKind.Object || activity is not null || _writeRequestMeta)
        {
            json.WriteStartObject(s_meta);
            if (meta.ValueKind == JsonValueKind.Object)
            {
                foreach (var member in meta.EnumerateObject())
                {
                    member.WriteTo(json);
                }
            }

            if (activity is not null)
            {
                // SEP-414: the W3C trace context travels in params._meta as traceparent / tracestate.
                json.WriteString(s_traceparent, activity.Id);
                if (activity.TraceStateString is { Length: > 0 } traceState)
                {
                    json.WriteString(s_tracestate, traceState);
                }
            }

            WriteRevisionMeta(json);
            json.WriteEndObject();
        }

        json.WriteEndObject();
        End(json);
    }
}
