using Cortex.Mcp.Fast.Transports.StreamableHttp;

namespace Cortex.Mcp.Fast.Tests.Transports.StreamableHttp;

public class JsonRpcErrorCodesTests
{
    [Theory]
    [InlineData(-32700, (int)McpErrorKind.ParseError)]
    [InlineData(-32600, (int)McpErrorKind.InvalidRequest)]
    [InlineData(-32601, (int)McpErrorKind.MethodNotFound)]
    [InlineData(-32602, (int)McpErrorKind.InvalidParams)]
    [InlineData(-32603, (int)McpErrorKind.InternalError)]
    [InlineData(-32002, (int)McpErrorKind.ResourceNotFound)]
    [InlineData(-32000, (int)McpErrorKind.ImplementationDefined)]
    [InlineData(-32001, (int)McpErrorKind.ImplementationDefined)]
    [InlineData(-32019, (int)McpErrorKind.ImplementationDefined)]
    [InlineData(-32020, (int)McpErrorKind.HeaderMismatch)]
    [InlineData(-32021, (int)McpErrorKind.MissingRequiredClientCapability)]
    [InlineData(-32022, (int)McpErrorKind.UnsupportedProtocolVersion)]
    [InlineData(-32042, (int)McpErrorKind.UrlElicitationRequired)]
    [InlineData(-32099, (int)McpErrorKind.ReservedUnknown)]
    [InlineData(-32768, (int)McpErrorKind.ReservedUnknown)]
    [InlineData(-32769, (int)McpErrorKind.Application)]
    [InlineData(-31999, (int)McpErrorKind.Application)]
    [InlineData(0, (int)McpErrorKind.Application)]
    [InlineData(42, (int)McpErrorKind.Application)]
    public void Classify_Code_MapsToKind(long code, int kind)
    {
        Assert.Equal((McpErrorKind)kind, JsonRpcErrorCodes.Classify(code));
    }

    [Theory]
    [InlineData(-32020, true)]
    [InlineData(-32021, true)]
    [InlineData(-32022, true)]
    [InlineData(-32000, false)]
    [InlineData(-32601, false)]
    public void IsModernProtocolError_Code_RecognisesOnly2026Codes(long code, bool modern)
    {
        Assert.Equal(modern, JsonRpcErrorCodes.IsModernProtocolError(code));
    }
}
