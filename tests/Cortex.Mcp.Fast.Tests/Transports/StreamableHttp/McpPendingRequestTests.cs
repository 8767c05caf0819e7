using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Tests.Transports.StreamableHttp.Support;
using Cortex.Mcp.Fast.Transports.StreamableHttp;

namespace Cortex.Mcp.Fast.Tests.Transports.StreamableHttp;

/// <summary>The per-thread slot behind <see cref="McpPendingRequest.Rent"/>: a recycled request comes back with
/// nothing of its previous call. Each case runs on a thread of its own so no other test's request sits in the slot.</summary>
public sealed class McpPendingRequestTests
{
    [Fact]
    public void Recycled_IsRentedAgainOnThatThread_WithNothingOfItsPreviousCall() => OwnThread.Run(() =>
    {
        var progress = new Progress<McpProgress>();
        var first = McpPendingRequest.Rent(7, McpReplyKind.ToolCall, progress);
        _ = first.Cursor;
        first.SessionIdHeader = "s";
        first.CompleteWithResult("""{"content":[]}"""u8);
        using (var result = first.TakeToolResult())
        {
            Assert.Equal("""{"content":[]}""", result.ToString());
        }

        first.Dispose();
        McpPendingRequest.Recycle(first);

        var second = McpPendingRequest.Rent(8, McpReplyKind.Plain);
        Assert.Same(first, second);
        Assert.Equal(8, second.Id);
        Assert.Equal(McpReplyKind.Plain, second.Kind);
        Assert.Null(second.Progress);
        Assert.False(second.Completed);
        Assert.Null(second.ResultBuffer);
        Assert.Null(second.Failure);
        Assert.Null(second.SessionIdHeader);
        Assert.False(second.AdoptedReplyBuffer);
        Assert.Equal(0, second.ProgressReports);

        second.CompleteWithFailure(TransportFailure.Refused("no", null));
        Assert.Throws<TransportFailure>(() => second.TakeToolResult());
        second.Dispose();
    });

    [Fact]
    public void NotRecycled_RentMakesANewRequest() => OwnThread.Run(() =>
    {
        var first = McpPendingRequest.Rent(1, McpReplyKind.ToolCall);
        first.Dispose();
        var second = McpPendingRequest.Rent(2, McpReplyKind.ToolCall);
        Assert.NotSame(first, second);
        second.Dispose();
    });
}
