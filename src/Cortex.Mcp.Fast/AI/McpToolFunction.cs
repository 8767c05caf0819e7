using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Cortex.Mcp.Fast.AI;

/// <summary>
/// One tool of an MCP service as a <c>Microsoft.Extensions.AI</c> <see cref="AIFunction"/>: an <c>IChatClient</c>
/// (for example through <c>FunctionInvokingChatClient</c>) sees the tool's name, description and input schema, and
/// invoking it calls the tool through <see cref="NetworkMcpClient"/> — the service's queue, circuit breaker,
/// deadline and retries apply as to any other call.
/// </summary>
/// <remarks>
/// <para>Get these from <see cref="NetworkMcpClientAIExtensions.ListAIFunctionsAsync"/>. The function holds the
/// client, not a connection: it stays valid across sessions and endpoint changes, until the client is disposed.</para>
/// <para>The invocation result is the tool result object (<c>content</c>, and <c>structuredContent</c> when the
/// server sent it) as a detached <see cref="JsonElement"/>. A tool that reports <c>isError: true</c> returns
/// <c>{"isError":true,"content":[…]}</c> so the model can read the failure; every other failure throws the
/// client's typed <see cref="ServiceCallException"/>.</para>
/// <para>Thread-safe, like the client.</para>
/// </remarks>
public sealed class McpToolFunction : AIFunction
{
    private readonly NetworkMcpClient _client;
    private readonly ToolCallOptions? _callOptions;

    /// <summary>Creates the function view of <paramref name="tool"/> on <paramref name="service"/>.</summary>
    /// <param name="client">The client that makes the calls.</param>
    /// <param name="service">The service name, resolved through discovery.</param>
    /// <param name="tool">The tool, as listed by <see cref="NetworkMcpClient.ListToolsAsync"/>.</param>
    /// <param name="callOptions">Options of every call (retries, idempotency, timeout), or null for the service's defaults.</param>
    public McpToolFunction(NetworkMcpClient client, string service, McpToolInfo tool, ToolCallOptions? callOptions = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrEmpty(service);
        ArgumentNullException.ThrowIfNull(tool);
        _client = client;
        _callOptions = callOptions;
        Service = service;
        Tool = tool;
    }

    /// <summary>Gets the name of the service the tool belongs to.</summary>
    public string Service { get; }

    /// <summary>Gets the tool as the server listed it.</summary>
    public McpToolInfo Tool { get; }

    /// <inheritdoc/>
    public override string Name => Tool.Name;

    /// <inheritdoc/>
    public override string Description => Tool.Description ?? string.Empty;

    /// <inheritdoc/>
    public override JsonElement JsonSchema => Tool.InputSchema;

    /// <inheritdoc/>
    protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var argumentsUtf8 = WriteArguments(arguments, JsonSerializerOptions);
        try
        {
            using var result = await _client.CallToolAsync(Service, Tool.Name, argumentsUtf8, _callOptions, cancellationToken).ConfigureAwait(false);
            return result.Json.Clone(); // detached: the pooled result is returned at the end of this scope
        }
        catch (ToolErrorException error)
        {
            // What the MCP C# SDK's tool view gives a model too: the failure as content, not an exception.
            return ToolErrorResult(error.ContentJson);
        }
    }

    /// <summary>The arguments as one UTF-8 JSON object; values that are not <see cref="JsonElement"/> are serialised with <paramref name="options"/>.</summary>
    internal static byte[] WriteArguments(AIFunctionArguments arguments, JsonSerializerOptions options)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            foreach (var (name, value) in arguments)
            {
                json.WritePropertyName(name);
                switch (value)
                {
                    case null:
                        json.WriteNullValue();
                        break;
                    case JsonElement element:
                        element.WriteTo(json);
                        break;
                    default:
                        // Through the options' resolver (AIJsonUtilities.DefaultOptions unless overridden): no
                        // reflection-only path is named here, so trimming and AOT see what the resolver offers.
                        JsonSerializer.Serialize(json, value, options.GetTypeInfo(value.GetType()));
                        break;
                }
            }

            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static JsonElement ToolErrorResult(string? contentJson)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteBoolean("isError"u8, true);
            json.WritePropertyName("content"u8);
            if (contentJson is null)
            {
                json.WriteStartArray();
                json.WriteEndArray();
            }
            else
            {
                json.WriteRawValue(contentJson);
            }

            json.WriteEndObject();
        }

        return JsonElement.Parse(buffer.WrittenSpan);
    }
}
