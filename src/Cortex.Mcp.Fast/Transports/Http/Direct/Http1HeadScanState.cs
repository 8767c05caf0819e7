namespace Cortex.Mcp.Fast.Transports.Http.Direct;

/// <summary>
/// What the head parser remembers between reads of one response: how many bytes of the current head (from the
/// start of the unconsumed input) are already known to be complete, well-ended lines, how many of those lines there
/// were, and how many interim (1xx) responses were skipped.
/// </summary>
/// <remarks>
/// A mutable struct owned by one connection and used in place through <c>ref</c>; <see cref="Reset"/> before each
/// response. Valid only while the caller hands back the same unconsumed bytes (the <c>consumed</c> position the
/// parser returned), as a <c>PipeReader</c> loop does.
/// </remarks>
internal struct Http1HeadScanState
{
    /// <summary>Bytes of the current head already scanned into complete lines.</summary>
    public int Scanned;

    /// <summary>Complete lines of the current head seen so far (the status line included).</summary>
    public int Lines;

    /// <summary>Interim responses skipped so far.</summary>
    public int InterimResponses;

    /// <summary>Forgets everything, for the next response.</summary>
    public void Reset() => this = default;
}
