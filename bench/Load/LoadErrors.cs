using System.Globalization;

namespace Cortex.Mcp.Fast.Bench.Load;

/// <summary>What kind of failure a call ended in: a kind name and, when a response came, its HTTP status.</summary>
/// <param name="Kind">The kind: a typed error's name (<c>QueueFull</c>, <c>CallTimeout</c>, <c>ToolError</c>…), a
/// <see cref="FailureKind"/> for a plain <see cref="ServiceCallException"/> (<c>HttpStatus</c>,
/// <c>ConnectFailure</c>…), or the runner's own <c>NotSent</c> and <c>Abandoned</c>.</param>
/// <param name="Status">The HTTP status of the failed response, or null when there was none.</param>
public readonly record struct LoadErrorKey(string Kind, int? Status)
{
    /// <summary>A due call the open-loop runner did not send (too many in flight).</summary>
    public static readonly LoadErrorKey NotSent = new("NotSent", null);

    /// <summary>A call still unfinished after the drain timeout.</summary>
    public static readonly LoadErrorKey Abandoned = new("Abandoned", null);

    /// <summary><c>Kind</c>, or <c>Kind/Status</c>.</summary>
    public override string ToString() => Status is { } status ? Kind + "/" + status.ToString(CultureInfo.InvariantCulture) : Kind;

    /// <summary>The runner's default when no classifier is given: the exception's type name without
    /// <c>Exception</c>.</summary>
    public static LoadErrorKey FromType(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var name = error.GetType().Name;
        return new LoadErrorKey(name.EndsWith("Exception", StringComparison.Ordinal) && name.Length > "Exception".Length ? name[..^"Exception".Length] : name, null);
    }

    /// <summary>
    /// The load target's classifier: a typed <see cref="ServiceCallException"/> by its type (<c>QueueFull</c>,
    /// <c>CallTimeout</c>…), a plain one by its <see cref="FailureKind"/> (<c>HttpStatus</c>, <c>ConnectFailure</c>…),
    /// with the HTTP status when a response came; any other exception by its type.
    /// </summary>
    public static LoadErrorKey Classify(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (error is not ServiceCallException call)
        {
            return FromType(error);
        }

        var status = call.StatusCode > 0 ? call.StatusCode : (int?)null;
        return call.GetType() == typeof(ServiceCallException)
            ? new LoadErrorKey(call.FailureKind.ToString(), status)
            : FromType(call) with { Status = status };
    }
}

/// <summary>How many calls ended in one kind of failure in the measured window.</summary>
/// <param name="Key">The kind and status.</param>
/// <param name="Count">How many.</param>
/// <param name="FirstAtMicros">When the first of them ended (the moment its failure was seen, or for
/// <c>NotSent</c> when it was due), in µs after the window began; null for <c>Abandoned</c> (counted at the end).</param>
public sealed record LoadErrorCount(LoadErrorKey Key, long Count, double? FirstAtMicros);
