using System.ComponentModel;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Cortex.Mcp.Fast.IntegrationTests.Interop;

/// <summary>Resources served by <see cref="SdkServerFixture"/>: one text, one blob.</summary>
[McpServerResourceType]
public sealed class SdkInteropResources
{
    /// <summary>URI of the text resource.</summary>
    public const string TextUri = "test://interop/text";

    /// <summary>URI of the blob resource.</summary>
    public const string BlobUri = "test://interop/blob";

    /// <summary>Bytes of the blob resource (not valid UTF-8, so it can only travel as base64).</summary>
    public static ReadOnlyMemory<byte> BlobBytes { get; } = new byte[] { 0x00, 0xFF, 0x10, 0x80, 0x7F, 0xC3, 0x28 };

    /// <summary>A plain-text resource.</summary>
    [McpServerResource(UriTemplate = TextUri, Name = "interop-text", MimeType = "text/plain"), Description("Plain text")]
    public static string Text() => "Hello from the C# SDK.";

    /// <summary>A binary resource, sent base64-encoded in <c>blob</c>.</summary>
    [McpServerResource(UriTemplate = BlobUri, Name = "interop-blob", MimeType = "application/octet-stream"), Description("Binary")]
    public static BlobResourceContents Blob() => BlobResourceContents.FromBytes(BlobBytes, BlobUri, "application/octet-stream");
}
