namespace Cortex.Mcp.Fast.Transports.Http.Direct;

/// <summary>What one step of <see cref="ChunkedBodyDecoder.Decode"/> produced.</summary>
internal enum ChunkedDecodeResult : byte
{
    /// <summary>All input was consumed into the decoder's state; more is needed.</summary>
    NeedMoreData,

    /// <summary>A piece of body data (a slice of the input, not a copy) was produced.</summary>
    Data,

    /// <summary>The last chunk and the trailer section were read: the body is complete.</summary>
    Completed,
}
