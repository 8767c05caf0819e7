using Cortex.Mcp.Fast.Transports.Http;

namespace Cortex.Mcp.Fast.Tests.Transports.Http;

/// <summary>Wraps scripted <see cref="HttpResponseMessage"/>s as the default engine's responses, for readers that take the engine seam.</summary>
internal static class EngineResponses
{
    /// <summary>A default engine for its failure rules (it never connects here).</summary>
    public static readonly IHttpEngine Engine = new SocketsHttpEngine(new Uri("http://127.0.0.1/"), new McpServiceOptions(), 1);

    /// <summary>The engine response of <paramref name="response"/> (which it owns).</summary>
    public static HttpEngineResponse Of(HttpResponseMessage response) => new SocketsHttpResponse(new HttpRequestMessage(), response);
}
