// The client that the official MCP conformance suite (@modelcontextprotocol/conformance) drives. The suite starts a
// test server for one scenario, then runs `<command> <server-url>` with MCP_CONFORMANCE_SCENARIO set, and judges the
// client by what reaches its server; the exit code says whether the client itself got through.
//
// Public API of Cortex.Mcp.Fast only: this file is also the shortest complete example of the client.
//
//   dotnet run --project tests/conformance -- http://localhost:3000/mcp      (with MCP_CONFORMANCE_SCENARIO=tools_call)
using System.Text.Json;
using Cortex.Mcp.Fast;
using Cortex.Mcp.Fast.Conformance;

const string Service = "conformance";

var scenario = Environment.GetEnvironmentVariable("MCP_CONFORMANCE_SCENARIO");
if (args.Length == 0 || !Uri.TryCreate(args[^1], UriKind.Absolute, out var serverUrl) || string.IsNullOrEmpty(scenario))
{
    Console.Error.WriteLine("usage: MCP_CONFORMANCE_SCENARIO=<scenario> Cortex.Mcp.Fast.Conformance <server-url>");
    return 2;
}

Func<NetworkMcpClient, CancellationToken, Task>? run = scenario switch
{
    "initialize" => InitializeAsync,
    "tools_call" => ToolsCallAsync,
    "sse-retry" => SseRetryAsync,
    "elicitation-sep1034-client-defaults" => ElicitationDefaultsAsync,
    _ => null,
};
if (run is null)
{
    Console.Error.WriteLine($"scenario '{scenario}' is not supported by this client");
    return 2;
}

var discovery = new InMemoryServiceDiscovery();
await discovery.RegisterAsync(Service, serverUrl);
var options = new NetworkMcpClientOptions { Discovery = discovery };
options.Services[Service] = new McpServiceOptions
{
    // Some of the suite's servers listen at "/", so the path cannot tell the protocol (McpProtocol.Auto would pick
    // REST there): name it.
    Protocol = McpProtocol.StreamableHttp,
    // One deadline per call covers the queue, every attempt and every resumption; the suite allows 30 s in all.
    CallTimeout = TimeSpan.FromSeconds(20),
};

if (scenario == "elicitation-sep1034-client-defaults")
{
    // Server-to-client requests get a handler only where the scenario sends them: the handler is what makes the
    // client declare the capability and keep the session's standalone stream open. The user accepts the form without
    // touching a field; ApplyElicitationDefaults fills in every field the schema gives a default (SEP-1034).
    var mcp = options.Services[Service].Mcp;
    mcp.ElicitationHandler = AcceptUntouchedFormAsync;
    mcp.ApplyElicitationDefaults = true;
}

try
{
    await using var client = new NetworkMcpClient(options);
    using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(25));
    await run(client, stop.Token);
    return 0;
}
catch (ServiceCallException error)
{
    // Typed failures carry the service, tool, attempts, status and kind; the cause rides in InnerException.
    Console.Error.WriteLine($"{scenario}: {error.FailureKind} after {error.Attempts} attempt(s): {error}");
    return 1;
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine($"{scenario}: not done within 25 s");
    return 1;
}

// initialize: the handshake (protocol version, clientInfo) and one request in the session.
static async Task InitializeAsync(NetworkMcpClient client, CancellationToken cancellationToken)
{
    var tools = await client.ListToolsAsync(Service, cancellationToken);
    Console.WriteLine($"initialized; {tools.Count} tool(s)");
}

// tools_call: list the tools, then call add_numbers with typed, source-generated (AOT-safe) arguments.
static async Task ToolsCallAsync(NetworkMcpClient client, CancellationToken cancellationToken)
{
    await PrintToolsAsync(client, cancellationToken);
    using var result = await client.CallToolAsync(
        Service, "add_numbers", new AddNumbersArguments(5, 3), ConformanceJson.Default.AddNumbersArguments, cancellationToken: cancellationToken);
    PrintText("add_numbers", result.Json);
}

// sse-retry: the server closes the tools/call reply stream after its priming event (id, retry: 500); the client must
// wait exactly that long, then resume with GET and Last-Event-ID, where the result arrives. To the caller this is
// one ordinary call.
static async Task SseRetryAsync(NetworkMcpClient client, CancellationToken cancellationToken)
{
    await PrintToolsAsync(client, cancellationToken);
    using var result = await client.CallToolAsync(Service, "test_reconnection", cancellationToken: cancellationToken);
    PrintText("test_reconnection", result.Json);
}

// elicitation-sep1034-client-defaults: the tool asks the client to fill a form whose every field has a default; the
// user accepts without touching any field, and the client must fill in the schema's defaults (SEP-1034).
static async Task ElicitationDefaultsAsync(NetworkMcpClient client, CancellationToken cancellationToken)
{
    await PrintToolsAsync(client, cancellationToken);
    using var result = await client.CallToolAsync(Service, "test_client_elicitation_defaults", cancellationToken: cancellationToken);
    PrintText("test_client_elicitation_defaults", result.Json);
}

// The user accepts every form as it is, setting no field. Other server requests are not handled (error -32601).
static ValueTask<McpElicitationResult> AcceptUntouchedFormAsync(McpElicitationRequest request, CancellationToken cancellationToken)
{
    Console.WriteLine($"elicitation ({request.Mode}): {request.Message}");
    return ValueTask.FromResult(McpElicitationResult.Accept(new Dictionary<string, JsonElement>()));
}

static async Task PrintToolsAsync(NetworkMcpClient client, CancellationToken cancellationToken)
{
    foreach (var tool in await client.ListToolsAsync(Service, cancellationToken))
    {
        Console.WriteLine($"tool {tool.Name}: {tool.Description}");
    }
}

// A tool result is {"content":[{"type":"text","text":"..."}, ...]}: print its text parts.
static void PrintText(string tool, JsonElement result)
{
    foreach (var part in result.GetProperty("content").EnumerateArray())
    {
        if (part.TryGetProperty("text", out var text))
        {
            Console.WriteLine($"{tool}: {text.GetString()}");
        }
    }
}
