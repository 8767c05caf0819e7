using System.Text;
using Cortex.Mcp.Fast.Operations;

namespace Cortex.Mcp.Fast.Tests.Operations;

public sealed class McpNotificationHandlersTests
{
    [Fact]
    public void Publish_ReachesMatchingAndCatchAllHandlers_InRegistrationOrder()
    {
        var handlers = new McpNotificationHandlers("svc");
        var seen = new List<string>();
        using var all = handlers.Add(null, n => seen.Add("all:" + n.Method));
        using var log = handlers.Add(McpNotificationMethods.Message, n => seen.Add("log:" + n.Params.GetProperty("level").GetString()));
        handlers.Publish(McpNotificationMethods.Message, """{"level":"info","data":"x"}"""u8);
        handlers.Publish(McpNotificationMethods.ToolsListChanged, default);
        Assert.Equal(["all:notifications/message", "log:info", "all:notifications/tools/list_changed"], seen);
    }

    [Fact]
    public void Dispose_Unregisters_AndIsIdempotent()
    {
        var handlers = new McpNotificationHandlers("svc");
        var count = 0;
        var registration = handlers.Add(McpNotificationMethods.Progress, _ => count++);
        Assert.False(handlers.IsEmpty);
        Assert.True(handlers.Wants(McpNotificationMethods.Progress));
        Assert.False(handlers.Wants(McpNotificationMethods.Message));
        registration.Dispose();
        registration.Dispose();
        Assert.True(handlers.IsEmpty);
        handlers.Publish(McpNotificationMethods.Progress, "{}"u8);
        Assert.Equal(0, count);
    }

    [Fact]
    public void ThrowingHandler_DoesNotStopOthers()
    {
        var handlers = new McpNotificationHandlers("svc");
        var reached = false;
        using var bad = handlers.Add(null, _ => throw new InvalidOperationException("boom"));
        using var good = handlers.Add(null, _ => reached = true);
        handlers.Publish("x/y", "{}"u8);
        Assert.True(reached);
    }

    [Fact]
    public void Params_AreDetached_FromTheStreamBuffer()
    {
        var handlers = new McpNotificationHandlers("svc");
        McpNotification? kept = null;
        using var r = handlers.Add(null, n => kept = n);
        var buffer = Encoding.UTF8.GetBytes("""{"uri":"a://b"}""");
        handlers.Publish(McpNotificationMethods.ResourcesUpdated, buffer);
        Array.Clear(buffer);
        Assert.Equal("svc", kept!.Service);
        Assert.Equal("a://b", kept.Params.GetProperty("uri").GetString());
    }

    [Fact]
    public void Registered_IsRaisedPerRegistration()
    {
        var handlers = new McpNotificationHandlers("svc");
        var raised = 0;
        handlers.Registered += () => raised++;
        using var a = handlers.Add(null, _ => { });
        using var b = handlers.Add("m", _ => { });
        Assert.Equal(2, raised);
    }

    [Theory]
    [InlineData("""{"level":"warning","logger":"db","data":{"k":1}}""", McpLoggingLevel.Warning, "db")]
    [InlineData("""{"level":"emergency","data":"x"}""", McpLoggingLevel.Emergency, null)]
    public void TryGetLogMessage_ReadsLevelLoggerAndData(string json, McpLoggingLevel level, string? logger)
    {
        var handlers = new McpNotificationHandlers("svc");
        McpLogMessage? message = null;
        using var r = handlers.Add(null, n => Assert.True(n.TryGetLogMessage(out message)));
        handlers.Publish(McpNotificationMethods.Message, Encoding.UTF8.GetBytes(json));
        Assert.Equal(level, message!.Level);
        Assert.Equal(logger, message.Logger);
        Assert.NotEqual(System.Text.Json.JsonValueKind.Undefined, message.Data.ValueKind);
    }

    [Theory]
    [InlineData(McpNotificationMethods.Message, """{"level":"loud","data":"x"}""")]
    [InlineData(McpNotificationMethods.Message, """{"data":"x"}""")]
    [InlineData(McpNotificationMethods.Progress, """{"level":"info","data":"x"}""")]
    public void TryGetLogMessage_OtherOrBad_IsFalse(string method, string json)
    {
        var handlers = new McpNotificationHandlers("svc");
        bool? read = null;
        using var r = handlers.Add(null, n => read = n.TryGetLogMessage(out _));
        handlers.Publish(method, Encoding.UTF8.GetBytes(json));
        Assert.False(read);
    }
}
