namespace Cortex.Mcp.Fast.Transports.Http.Direct;

/// <summary>What <see cref="Http1ConnectionPool{TConnection}"/> needs to know about a connection it lends.</summary>
/// <remarks>Implemented by <see cref="Http1Connection"/>; tests implement it with fakes.</remarks>
internal interface IHttp1PooledConnection : IAsyncDisposable
{
    /// <summary>Gets the <see cref="TimeProvider.GetTimestamp"/> at which the connection was made.</summary>
    long CreatedTimestamp { get; }

    /// <summary>Gets or sets the timestamp at which the connection last became idle (set by the pool on return).</summary>
    long LastUsedTimestamp { get; set; }

    /// <summary>Gets a value indicating whether the last response was read to its end and the connection may carry another request.</summary>
    bool IsReusable { get; }

    /// <summary>Checks an idle connection: false when the server closed it, reset it or sent stray bytes.</summary>
    bool IsQuiet();
}
