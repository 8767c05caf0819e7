using System.ComponentModel;
using System.Globalization;
using System.Text;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Cortex.Mcp.Fast.IntegrationTests.Interop;

// The SDK marks sampling and roots obsolete as of revision 2026-07-28 (SEP-2577); the handshake revisions this
// client negotiates (2025-11-25 and earlier) still have both, and that is what these tools exercise.
#pragma warning disable MCP9005

/// <summary>
/// Tools of <see cref="SdkClientFeaturesServerFixture"/> that reach back to the client through the official C# SDK
/// server: sampling, elicitation, roots, and what the client said about itself in initialize.
/// </summary>
[McpServerToolType]
public sealed class SdkClientFeatureTools
{
    /// <summary>The client's clientInfo and declared capabilities, as one line.</summary>
    [McpServerTool(Name = "whoami"), Description("Reports the client's identity and capabilities")]
    public static string WhoAmI(McpServer server)
    {
        var info = server.ClientInfo;
        var caps = server.ClientCapabilities;
        return string.Create(CultureInfo.InvariantCulture,
            $"name={info?.Name};version={info?.Version};title={info?.Title ?? "-"};sampling={caps?.Sampling is not null};elicitation={caps?.Elicitation is not null};roots={caps?.Roots is not null};rootsListChanged={caps?.Roots?.ListChanged}");
    }

    /// <summary>Asks the client's model to complete <paramref name="prompt"/>.</summary>
    [McpServerTool(Name = "sample"), Description("Asks the client to sample")]
    public static async Task<string> Sample(McpServer server, string prompt, CancellationToken cancellationToken)
    {
        var result = await server.SampleAsync(new CreateMessageRequestParams
        {
            Messages = [new SamplingMessage { Role = Role.User, Content = [new TextContentBlock { Text = prompt }] }],
            MaxTokens = 11,
            SystemPrompt = "sdk system prompt",
        }, cancellationToken);
        var text = new StringBuilder();
        foreach (var block in result.Content)
        {
            if (block is TextContentBlock t)
            {
                text.Append(t.Text);
            }
        }

        return $"model={result.Model};text={text}";
    }

    /// <summary>Elicits a colour and a count, both with defaults.</summary>
    [McpServerTool(Name = "elicit"), Description("Asks the client for a form")]
    public static async Task<string> Elicit(McpServer server, CancellationToken cancellationToken)
    {
        var result = await server.ElicitAsync(new ElicitRequestParams
        {
            Message = "Pick a colour",
            RequestedSchema = new ElicitRequestParams.RequestSchema
            {
                Properties = new Dictionary<string, ElicitRequestParams.PrimitiveSchemaDefinition>
                {
                    ["color"] = new ElicitRequestParams.StringSchema { Default = "blue" },
                    ["count"] = new ElicitRequestParams.NumberSchema { Type = "integer", Default = 3 },
                    ["note"] = new ElicitRequestParams.StringSchema(),
                },
            },
        }, cancellationToken);
        var content = result.Content is null
            ? "-"
            : string.Join(",", result.Content.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value.GetRawText()}"));
        return $"action={result.Action};content={content}";
    }

    /// <summary>Lists the client's roots.</summary>
    [McpServerTool(Name = "roots"), Description("Asks the client for its roots")]
    public static async Task<string> Roots(McpServer server, CancellationToken cancellationToken)
    {
        var result = await server.RequestRootsAsync(new ListRootsRequestParams(), cancellationToken);
        return string.Join(",", result.Roots.Select(r => $"{r.Uri}|{r.Name ?? "-"}"));
    }
}
