using System.Text.Json;

namespace Cortex.Mcp.Fast;

/// <summary>
/// Answers a server's <c>elicitation/create</c>: the server asks the user for information, through a form
/// (<see cref="McpElicitationMode.Form"/>) or by sending the user to a URL (<see cref="McpElicitationMode.Url"/>).
/// Set it as <see cref="McpOptions.ElicitationHandler"/>; the client then declares the <c>elicitation</c>
/// capability for the modes in <see cref="McpOptions.ElicitationModes"/>.
/// </summary>
/// <param name="request">What the server asks for.</param>
/// <param name="cancellationToken">Fires when the answer is no longer wanted: the deadline of the call whose reply
/// carried the request, <see cref="McpOptions.ServerRequestTimeout"/>, or the client's disposal.</param>
/// <returns>The user's answer. A thrown exception is answered with JSON-RPC error -32603 (its text is not sent).</returns>
public delegate ValueTask<McpElicitationResult> McpElicitationHandler(McpElicitationRequest request, CancellationToken cancellationToken);

/// <summary>How a server elicits information.</summary>
public enum McpElicitationMode
{
    /// <summary>In-band: the client shows a form built from <see cref="McpElicitationRequest.RequestedSchema"/>.</summary>
    Form,

    /// <summary>Out-of-band: the client sends the user to <see cref="McpElicitationRequest.Url"/>; nothing comes back in the answer.</summary>
    Url,
}

/// <summary>The elicitation modes a client supports (declared in <c>capabilities.elicitation</c>).</summary>
[Flags]
public enum McpElicitationModes
{
    /// <summary>No mode; not a valid setting of <see cref="McpOptions.ElicitationModes"/>.</summary>
    None = 0,

    /// <summary>Form mode (<c>capabilities.elicitation.form</c>).</summary>
    Form = 1,

    /// <summary>URL mode (<c>capabilities.elicitation.url</c>).</summary>
    Url = 2,
}

/// <summary>The parameters of a server's <c>elicitation/create</c> request.</summary>
/// <remarks>Immutable and detached from any pooled buffer: safe to keep.</remarks>
public sealed class McpElicitationRequest
{
    /// <summary>Gets the name of the service that sent the request.</summary>
    public required string Service { get; init; }

    /// <summary>Gets the mode: a form, or a URL to send the user to.</summary>
    public McpElicitationMode Mode { get; init; }

    /// <summary>Gets the message to show the user.</summary>
    public required string Message { get; init; }

    /// <summary>Gets the form's JSON Schema (an object of flat primitive properties) in form mode; <see langword="default"/> in URL mode.</summary>
    public JsonElement RequestedSchema { get; init; }

    /// <summary>Gets the URL to send the user to in URL mode; null in form mode.</summary>
    public string? Url { get; init; }

    /// <summary>Gets the server's id of a URL-mode elicitation (it may later send <c>notifications/elicitation/complete</c> with it); null in form mode.</summary>
    public string? ElicitationId { get; init; }

    /// <summary>Gets the whole <c>params</c> object as the server sent it.</summary>
    public JsonElement Params { get; init; }
}

/// <summary>What the user did with an elicitation.</summary>
public enum McpElicitationAction
{
    /// <summary>The user submitted the form (or agreed to open the URL).</summary>
    Accept,

    /// <summary>The user explicitly declined.</summary>
    Decline,

    /// <summary>The user dismissed the request without choosing.</summary>
    Cancel,
}

/// <summary>The answer to <c>elicitation/create</c>.</summary>
public sealed class McpElicitationResult
{
    /// <summary>Gets what the user did.</summary>
    public McpElicitationAction Action { get; init; }

    /// <summary>
    /// Gets the submitted values of an accepted form, by property name: each a string, number, boolean or array of
    /// strings. Null for URL mode and for decline or cancel (then nothing is sent).
    /// </summary>
    public IReadOnlyDictionary<string, JsonElement>? Content { get; init; }

    /// <summary>An accepted form with <paramref name="content"/> (or an accepted URL request when null).</summary>
    /// <param name="content">The submitted values.</param>
    /// <returns>The result.</returns>
    public static McpElicitationResult Accept(IReadOnlyDictionary<string, JsonElement>? content = null) =>
        new() { Action = McpElicitationAction.Accept, Content = content };

    /// <summary>The user declined.</summary>
    /// <returns>The result.</returns>
    public static McpElicitationResult Decline() => new() { Action = McpElicitationAction.Decline };

    /// <summary>The user cancelled.</summary>
    /// <returns>The result.</returns>
    public static McpElicitationResult Cancel() => new() { Action = McpElicitationAction.Cancel };
}
