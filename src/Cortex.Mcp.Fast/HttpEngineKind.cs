namespace Cortex.Mcp.Fast;

/// <summary>The HTTP engine a service's requests go through (<see cref="HttpOptions.Engine"/>).</summary>
public enum HttpEngineKind
{
    /// <summary>
    /// .NET's <see cref="System.Net.Http.SocketsHttpHandler"/>: the default, and the engine for every HTTP feature
    /// .NET has.
    /// </summary>
    SocketsHttpHandler = 0,

    /// <summary>
    /// The library's own HTTP/1.1 engine on Pipelines.Sockets.Unofficial: requests written from pre-encoded bytes
    /// and responses parsed in place, for the least CPU and memory per call. HTTP/1.1 over TCP or TLS only; a
    /// service that needs more (HTTP/2, a proxy, custom handlers) is refused when it starts.
    /// </summary>
    Direct = 1,
}
