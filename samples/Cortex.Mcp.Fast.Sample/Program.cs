using System.Text.Json;
using Cortex.Mcp.Fast;
using Cortex.Mcp.Fast.Diagnostics;
using Cortex.Mcp.Fast.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

var builder = WebApplication.CreateBuilder(args);

// One NetworkMcpClient for the whole service, configured from appsettings.json's "Mcp" section. A bad value (say
// Queue:WorkerCount = 0) stops the service at start-up with the key's name; each configured service gets a health
// check ("mcp:memory", "mcp:docs") that reports Degraded while its breaker is open or its queue is filling up.
builder.Services.AddNetworkMcpClient(builder.Configuration.GetSection("Mcp"));

// OpenTelemetry: the client's ActivitySource and Meter are both named McpTelemetry.Name.
var console = builder.Configuration.GetValue<bool>("Telemetry:ConsoleExporter");
builder.Services.AddOpenTelemetry()
    .ConfigureResource(resource => resource.AddService("cortex-mcp-sample"))
    .WithTracing(tracing =>
    {
        tracing.AddAspNetCoreInstrumentation().AddSource(McpTelemetry.Name);
        if (console)
        {
            tracing.AddConsoleExporter();
        }
    })
    .WithMetrics(metrics =>
    {
        metrics.AddAspNetCoreInstrumentation().AddMeter(McpTelemetry.Name);
        if (console)
        {
            metrics.AddConsoleExporter();
        }
    });

var app = builder.Build();

app.MapHealthChecks("/health");

// POST /notes/{user} with a JSON body {"content": "..."}: stores it through the memory service's store_input tool.
app.MapPost("/notes/{user}", async (string user, Note note, NetworkMcpClient client, CancellationToken cancellationToken) =>
{
    var arguments = JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["user_id"] = user, ["content"] = note.Content });
    try
    {
        using var result = await client.CallToolAsync("memory", "store_input", arguments, cancellationToken: cancellationToken);
        return Results.Text(result.Json.GetRawText(), "application/json");
    }
    catch (CircuitOpenException open)
    {
        return Results.Problem($"The memory service is failing; retry in {open.RetryAfter}.", statusCode: StatusCodes.Status503ServiceUnavailable);
    }
    catch (ServiceCallException error)
    {
        return Results.Problem($"{error.FailureKind}: {error.Message}", statusCode: StatusCodes.Status502BadGateway);
    }
});

// GET /tools: the tools of the MCP docs service (MCP Streamable HTTP).
app.MapGet("/tools", async (NetworkMcpClient client, CancellationToken cancellationToken) =>
{
    var tools = await client.ListToolsAsync("docs", cancellationToken);
    return Results.Ok(tools.Select(t => new { t.Name, t.Description }));
});

await app.RunAsync();

/// <summary>The body of <c>POST /notes/{user}</c>.</summary>
internal sealed record Note(string Content);
