using System.Text.Json;

namespace Cortex.Mcp.Fast;

/// <summary>
/// Answers a server's <c>sampling/createMessage</c>: the server asks the client's language model for a completion.
/// Set it as <see cref="McpOptions.SamplingHandler"/>; the client then declares the <c>sampling</c> capability.
/// </summary>
/// <param name="request">What the server asks for.</param>
/// <param name="cancellationToken">Fires when the answer is no longer wanted: the deadline of the call whose reply
/// carried the request, <see cref="McpOptions.ServerRequestTimeout"/>, or the client's disposal.</param>
/// <returns>The model's message. A thrown exception is answered with JSON-RPC error -32603 (its text is not sent).</returns>
public delegate ValueTask<McpSamplingResult> McpSamplingHandler(McpSamplingRequest request, CancellationToken cancellationToken);

/// <summary>The parameters of a server's <c>sampling/createMessage</c> request.</summary>
/// <remarks>Immutable and detached from any pooled buffer: safe to keep.</remarks>
public sealed class McpSamplingRequest
{
    /// <summary>Gets the name of the service that sent the request.</summary>
    public required string Service { get; init; }

    /// <summary>Gets the conversation to complete, oldest first.</summary>
    public required IReadOnlyList<McpSamplingMessage> Messages { get; init; }

    /// <summary>Gets the most tokens the server wants sampled (<c>maxTokens</c>).</summary>
    public int MaxTokens { get; init; }

    /// <summary>Gets the system prompt the server asks for, or null.</summary>
    public string? SystemPrompt { get; init; }

    /// <summary>Gets the sampling temperature the server asks for, or null.</summary>
    public double? Temperature { get; init; }

    /// <summary>Gets the sequences that end sampling (empty when none).</summary>
    public IReadOnlyList<string> StopSequences { get; init; } = [];

    /// <summary>Gets which MCP context to include: <c>none</c>, <c>thisServer</c>, <c>allServers</c>, or null.</summary>
    public string? IncludeContext { get; init; }

    /// <summary>Gets the server's model preferences, or null.</summary>
    public McpModelPreferences? ModelPreferences { get; init; }

    /// <summary>Gets the whole <c>params</c> object as the server sent it (<c>metadata</c>, <c>tools</c>, <c>_meta</c>, …).</summary>
    public JsonElement Params { get; init; }
}

/// <summary>One message of a sampling conversation.</summary>
public sealed class McpSamplingMessage
{
    /// <summary>Gets the speaker: <c>user</c> or <c>assistant</c>.</summary>
    public required string Role { get; init; }

    /// <summary>Gets the message's content blocks (one, unless the server sent an array).</summary>
    public required IReadOnlyList<McpContentBlock> Content { get; init; }
}

/// <summary>The server's hints for choosing a model; every priority is between 0 and 1.</summary>
public sealed class McpModelPreferences
{
    /// <summary>Gets model name hints, in the server's order of preference (empty when none).</summary>
    public IReadOnlyList<string> Hints { get; init; } = [];

    /// <summary>Gets how much cost matters, or null.</summary>
    public double? CostPriority { get; init; }

    /// <summary>Gets how much speed matters, or null.</summary>
    public double? SpeedPriority { get; init; }

    /// <summary>Gets how much capability matters, or null.</summary>
    public double? IntelligencePriority { get; init; }
}

/// <summary>The answer to <c>sampling/createMessage</c>: the model's message.</summary>
public sealed class McpSamplingResult
{
    /// <summary>Gets the speaker of the sampled message.</summary>
    /// <value>The default value is <c>assistant</c>.</value>
    public string Role { get; init; } = "assistant";

    /// <summary>Gets the sampled content.</summary>
    public required McpContentBlock Content { get; init; }

    /// <summary>Gets the name of the model that produced it (required by the protocol; must not be empty).</summary>
    public required string Model { get; init; }

    /// <summary>Gets why sampling stopped (<c>endTurn</c>, <c>stopSequence</c>, <c>maxTokens</c>, or another reason), or null.</summary>
    public string? StopReason { get; init; }
}
