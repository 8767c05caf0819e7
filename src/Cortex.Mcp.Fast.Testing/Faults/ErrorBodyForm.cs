namespace Cortex.Mcp.Fast.Testing;

/// <summary>The shape of the body of an injected error response (the seed's client reads <c>detail</c>, then
/// <c>message</c>, then the raw text).</summary>
public enum ErrorBodyForm
{
    /// <summary><c>application/json</c>: <c>{"detail":"..."}</c> (FastAPI style). The default.</summary>
    JsonDetail = 0,

    /// <summary><c>application/json</c>: <c>{"message":"..."}</c>.</summary>
    JsonMessage,

    /// <summary><c>text/plain</c>: the message itself.</summary>
    PlainText,

    /// <summary><c>text/html</c>: a small error page, as a proxy or load balancer would send.</summary>
    Html,

    /// <summary>No body at all (<c>Content-Length: 0</c>).</summary>
    Empty,
}
