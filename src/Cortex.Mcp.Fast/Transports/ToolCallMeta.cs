using System.Diagnostics;
using System.Text.Json;

namespace Cortex.Mcp.Fast.Transports;

/// <summary>
/// What a tool call adds to <c>params._meta</c>: the caller's members (<see cref="ToolCallOptions.Meta"/>) and the
/// W3C trace context of the caller's activity when the call was made (SEP-414). Captured when the call is accepted,
/// because attempts run on the service's workers, outside the caller's execution context.
/// </summary>
internal readonly struct ToolCallMeta
{
    /// <summary>Gets the caller's members: a JSON object (owned by the call), or undefined for none.</summary>
    public JsonElement Members { get; init; }

    /// <summary>Gets the W3C <c>traceparent</c>, or null.</summary>
    public string? TraceParent { get; init; }

    /// <summary>Gets the W3C <c>tracestate</c>, or null.</summary>
    public string? TraceState { get; init; }

    /// <summary>Gets the call's own HTTP headers (<see cref="ToolCallOptions.Headers"/>, copied when the call was
    /// accepted), or null. Not part of <c>_meta</c>: the transports put them on the call's request.</summary>
    public KeyValuePair<string, string>[]? Headers { get; init; }

    /// <summary>Gets a value indicating whether there is nothing to add to <c>_meta</c>.</summary>
    public bool IsEmpty => Members.ValueKind != JsonValueKind.Object && TraceParent is null;

    /// <summary>True when <see cref="ToolCallOptions.Meta"/> is unset or a JSON object (anything else is refused).</summary>
    public static bool IsValid(ToolCallOptions? options) =>
        options is null || options.Meta.ValueKind is JsonValueKind.Undefined or JsonValueKind.Object;

    /// <summary>
    /// Captures what <paramref name="options"/> asks for (check <see cref="IsValid"/> first): a copy of the caller's
    /// members, and the trace context of <paramref name="activity"/> (the call's own span, or the caller's activity).
    /// </summary>
    public static ToolCallMeta Capture(ToolCallOptions? options, Activity? activity)
    {
        if (options is null)
        {
            return FromActivity(default, activity);
        }

        // The caller may dispose its document once the call is accepted: keep a copy (only when there is one).
        var members = options.Meta.ValueKind == JsonValueKind.Object ? options.Meta.Clone() : default;

        // An immutable snapshot of the headers (the same array while the caller's collection is unchanged).
        return FromActivity(members, options.PropagateTraceContext ? activity : null, options.Headers?.Snapshot());
    }

    private static ToolCallMeta FromActivity(JsonElement members, Activity? activity, KeyValuePair<string, string>[]? headers = null) =>
        activity is { IdFormat: ActivityIdFormat.W3C }
            ? new ToolCallMeta { Members = members, TraceParent = activity.Id, TraceState = activity.TraceStateString is { Length: > 0 } state ? state : null, Headers = headers }
            : new ToolCallMeta { Members = members, Headers = headers };
}
