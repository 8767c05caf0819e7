using System.Text.Json;

namespace Cortex.Mcp.Fast.Operations;

/// <summary>Writes the members of a request's <c>params</c> object (between its braces) from <paramref name="state"/>.</summary>
/// <remarks>Pass a static lambda and its state so that no closure is allocated per request.</remarks>
internal delegate void McpParamsWriter<TState>(Utf8JsonWriter json, TState state);

/// <summary>Reads a request's raw <c>result</c> (UTF-8 JSON, valid only during the call) into what the caller keeps.</summary>
/// <exception cref="Errors.TransportFailure">The result does not have the expected shape.</exception>
internal delegate T McpResultParser<out T>(ReadOnlyMemory<byte> result);

/// <summary>
/// One MCP request other than <c>tools/call</c>, in protocol-neutral terms: the method (pre-encoded once), the
/// value of the <c>Mcp-Name</c> header where the method has one, and the caller's per-request options.
/// </summary>
internal readonly struct McpRequest
{
    public McpRequest(McpMethodName method, string? name, McpRequestOptions? options)
    {
        Method = method;
        Name = name;
        Options = options ?? McpRequestOptions.Default;
    }

    /// <summary>The JSON-RPC method.</summary>
    public McpMethodName Method { get; }

    /// <summary>The <c>Mcp-Name</c> header value (prompts/get: the prompt's name), or null.</summary>
    public string? Name { get; }

    /// <summary>The caller's options (never null).</summary>
    public McpRequestOptions Options { get; }
}

/// <summary>A JSON-RPC method name, as text and pre-encoded for the request writer.</summary>
internal sealed class McpMethodName
{
    private McpMethodName(string text)
    {
        Text = text;
        Encoded = JsonEncodedText.Encode(text);
    }

    public static McpMethodName ToolsList { get; } = new("tools/list");

    public static McpMethodName ResourcesList { get; } = new("resources/list");

    public static McpMethodName ResourceTemplatesList { get; } = new("resources/templates/list");

    public static McpMethodName PromptsList { get; } = new("prompts/list");

    public static McpMethodName PromptsGet { get; } = new("prompts/get");

    public static McpMethodName CompletionComplete { get; } = new("completion/complete");

    public static McpMethodName LoggingSetLevel { get; } = new("logging/setLevel");

    public static McpMethodName Ping { get; } = new("ping");

    /// <summary>The method name.</summary>
    public string Text { get; }

    /// <summary>The method name, encoded once.</summary>
    public JsonEncodedText Encoded { get; }

    /// <inheritdoc/>
    public override string ToString() => Text;
}
