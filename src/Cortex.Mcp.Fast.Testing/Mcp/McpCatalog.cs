using System.Text;

namespace Cortex.Mcp.Fast.Testing.Mcp;

/// <summary>The fixed results: <c>initialize</c>, <c>tools/list</c>, <c>resources/list</c>,
/// <c>resources/templates/list</c>, formatted once.</summary>
internal static class McpCatalog
{
    public const string ServerName = "Cortex.Mcp.Fast.Testing";

    public static readonly byte[] InitializeLatest = Initialize(McpVersions.Latest);

    public static readonly byte[] InitializePrevious = Initialize(McpVersions.Previous);

    public static readonly byte[] Tools = Encoding.UTF8.GetBytes(
        """
        {"tools":[
        {"name":"echo","description":"Returns the arguments: as JSON text in a text content, and as structuredContent {\"echo\": arguments}.","inputSchema":{"type":"object","additionalProperties":true}},
        {"name":"add","description":"Adds a and b.","inputSchema":{"type":"object","properties":{"a":{"type":"number"},"b":{"type":"number"}},"required":["a","b"]}},
        {"name":"sleep","description":"Waits ms milliseconds, then answers.","inputSchema":{"type":"object","properties":{"ms":{"type":"integer","minimum":0}},"required":["ms"]}},
        {"name":"fail","description":"A tool error (isError: true); with status, an HTTP error; with code, a JSON-RPC error.","inputSchema":{"type":"object","properties":{"message":{"type":"string"},"status":{"type":"integer"},"code":{"type":"integer"},"retryAfter":{"type":"string"}}}},
        {"name":"progress","description":"Sends steps progress notifications (for the request's progressToken), intervalMs apart, then answers.","inputSchema":{"type":"object","properties":{"steps":{"type":"integer","minimum":0},"intervalMs":{"type":"integer","minimum":0}}}},
        {"name":"flaky","description":"The first failures calls for key fail with HTTP status, later ones answer.","inputSchema":{"type":"object","properties":{"failures":{"type":"integer","minimum":0},"status":{"type":"integer"},"key":{"type":"string"},"retryAfter":{"type":"string"}}}}
        ]}
        """.Replace("\n", string.Empty, StringComparison.Ordinal));

    public static readonly byte[] Resources = Encoding.UTF8.GetBytes(
        """{"resources":[{"uri":"test://text/1","name":"text-1","mimeType":"text/plain"},{"uri":"test://blob/16","name":"blob-16","mimeType":"application/octet-stream"}]}""");

    public static readonly byte[] ResourceTemplates = Encoding.UTF8.GetBytes(
        """{"resourceTemplates":[{"uriTemplate":"test://text/{n}","name":"text","mimeType":"text/plain"},{"uriTemplate":"test://blob/{n}","name":"blob","mimeType":"application/octet-stream"}]}""");

    public static readonly byte[] Empty = "{}"u8.ToArray();

    private static byte[] Initialize(string version) => Encoding.UTF8.GetBytes(
        "{\"protocolVersion\":\"" + version + "\",\"capabilities\":{\"tools\":{\"listChanged\":false},"
        + "\"resources\":{\"subscribe\":true,\"listChanged\":false}},\"serverInfo\":{\"name\":\"" + ServerName
        + "\",\"version\":\"1.0.0\"}}");
}
