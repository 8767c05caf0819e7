using Cortex.Mcp.Fast.Operations;

namespace Cortex.Mcp.Fast;

/// <summary>Prompts and argument completion (MCP Streamable HTTP services only).</summary>
public sealed partial class NetworkMcpClient
{
    /// <summary>Renders the prompt <paramref name="name"/> with <paramref name="arguments"/> (<c>prompts/get</c>).</summary>
    /// <param name="service">The service name, resolved through discovery.</param>
    /// <param name="name">The prompt's name, as listed by <see cref="ListPromptsAsync"/>.</param>
    /// <param name="arguments">The prompt's arguments (strings, as the spec has them), or null.</param>
    /// <param name="options">Per-request <c>_meta</c> and trace context; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The rendered messages (detached: safe to keep).</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or empty.</exception>
    /// <exception cref="McpErrorException">The server refused (for example an unknown prompt: error -32602).</exception>
    /// <exception cref="ServiceCallException">The service does not speak MCP, or the request failed.</exception>
    public ValueTask<McpPromptResult> GetPromptAsync(string service, string name, IReadOnlyDictionary<string, string>? arguments = null, McpRequestOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return SendAsync(service, new McpRequest(McpMethodName.PromptsGet, name, options), new McpParams.PromptGet(name, arguments), McpParams.GetPrompt, McpResultParsers.Prompt, cancellationToken);
    }

    /// <summary>Asks for completions of one argument of a prompt or resource template (<c>completion/complete</c>).</summary>
    /// <param name="service">The service name, resolved through discovery.</param>
    /// <param name="reference">The prompt or resource template the argument belongs to.</param>
    /// <param name="argumentName">The argument's name.</param>
    /// <param name="argumentValue">What the user typed so far.</param>
    /// <param name="contextArguments">Arguments already resolved (<c>context.arguments</c>), or null.</param>
    /// <param name="options">Per-request <c>_meta</c> and trace context; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="ArgumentNullException"><paramref name="reference"/>, <paramref name="argumentName"/> or <paramref name="argumentValue"/> is null.</exception>
    /// <exception cref="McpErrorException">The server refused (for example it has no completions: error -32601).</exception>
    /// <exception cref="ServiceCallException">The service does not speak MCP, or the request failed.</exception>
    public ValueTask<McpCompletion> CompleteAsync(string service, McpCompletionReference reference, string argumentName, string argumentValue, IReadOnlyDictionary<string, string>? contextArguments = null, McpRequestOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(argumentName);
        ArgumentNullException.ThrowIfNull(argumentValue);
        return SendAsync(service, new McpRequest(McpMethodName.CompletionComplete, null, options), new McpParams.Complete(reference, argumentName, argumentValue, contextArguments), McpParams.Completion, McpResultParsers.Completion, cancellationToken);
    }
}
