using System.ComponentModel;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Cortex.Mcp.Fast.IntegrationTests.Interop;

/// <summary>Tools served by <see cref="SdkServerFixture"/>: names chosen to mirror server-everything.</summary>
[McpServerToolType]
public sealed class SdkInteropTools
{
    /// <summary>Echoes the message back as "Echo: {message}" (server-everything's wording).</summary>
    [McpServerTool(Name = "echo"), Description("Echoes back the input string")]
    public static string Echo([Description("Message to echo")] string message) => "Echo: " + message;

    /// <summary>Adds two integers.</summary>
    [McpServerTool(Name = "add"), Description("Adds two numbers")]
    public static string Add(long a, long b) => $"The sum of {a} and {b} is {a + b}.";

    /// <summary>
    /// Reports <paramref name="steps"/> progress notifications (when the request carried a progress token),
    /// then completes. <paramref name="stepDelayMs"/> lets a test keep it running to exercise cancellation.
    /// </summary>
    [McpServerTool(Name = "long-running"), Description("Reports progress for each step")]
    public static async Task<string> LongRunning(
        IProgress<ProgressNotificationValue> progress, int steps = 3, int stepDelayMs = 0, CancellationToken cancellationToken = default)
    {
        for (var i = 1; i <= steps; i++)
        {
            if (stepDelayMs > 0)
            {
                await Task.Delay(stepDelayMs, cancellationToken); // simulated work on the server, not a test wait
            }

            progress.Report(new ProgressNotificationValue { Progress = i, Total = steps, Message = $"step {i}" });
        }

        return $"Completed {steps} steps.";
    }

    /// <summary>A tool failure: a result with isError true (not a JSON-RPC error).</summary>
    [McpServerTool(Name = "fail"), Description("Always returns isError: true")]
    public static CallToolResult Fail(string reason = "deliberate failure") => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = "Tool failed: " + reason }],
    };
}
