// The package smoke (.ci/run): a user's program built against the produced packages, run against the loopback test
// service (`bench serve`). It makes real calls through each engine and protocol and checks every answer, so a
// package that restores but does not work (a missing dependency, a net8.0 polyfill that deadlocks, a member the
// trimmer removed) fails here. Exit code 0 only when every check passed.
//
// usage: Cortex.Mcp.Fast.PackageSmoke <service base address> <expected library framework, e.g. net8.0>
using System.Reflection;
using System.Runtime.Versioning;
using System.Text.Json;
using Cortex.Mcp.Fast;
using Cortex.Mcp.Fast.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

if (args.Length != 2 || !Uri.TryCreate(args[0], UriKind.Absolute, out var baseAddress))
{
    await Console.Error.WriteLineAsync("usage: Cortex.Mcp.Fast.PackageSmoke <service base address> <expected library framework>");
    return 2;
}

// Which build of the package was loaded: lib/net8.0 must be the one under test on the roll-forward run.
var expectedFramework = args[1];
var libraryFramework = typeof(NetworkMcpClient).Assembly.GetCustomAttribute<TargetFrameworkAttribute>()?.FrameworkName ?? "?";
var hostingFramework = typeof(McpClientServiceCollectionExtensions).Assembly.GetCustomAttribute<TargetFrameworkAttribute>()?.FrameworkName ?? "?";
var wanted = ".NETCoreApp,Version=v" + expectedFramework["net".Length..];
var failures = 0;
Check(libraryFramework == wanted && hostingFramework == wanted,
    $"library builds {libraryFramework} / {hostingFramework}, expected {wanted}");

var root = baseAddress.GetLeftPart(UriPartial.Authority) + "/";
var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
{
    ["Mcp:Defaults:CallTimeout"] = "00:00:20",
    // Wait, not the default Shed: on a loaded CI machine a cold service's first connect can outlast the 100 ms shed
    // interval, and a burst into it would then be refused — load-dependent, and not what this smoke is about.
    ["Mcp:Defaults:Queue:FullMode"] = "Wait",
    ["Mcp:Services:rest:Endpoint"] = root,
    ["Mcp:Services:direct:Endpoint"] = root,
    ["Mcp:Services:direct:Http:Engine"] = "Direct",
    ["Mcp:Services:mcp:Endpoint"] = root + "mcp",
    ["Mcp:Services:mcp:Protocol"] = "StreamableHttp",
}).Build();

var services = new ServiceCollection();
services.AddNetworkMcpClient(configuration.GetSection("Mcp"));
await using (var provider = services.BuildServiceProvider())
{
    var client = provider.GetRequiredService<NetworkMcpClient>();
    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
    var ct = timeout.Token;

    using var addArguments = JsonDocument.Parse("""{"a":2,"b":3}""");
    foreach (var service in new[] { "rest", "direct", "mcp" })
    {
        // Several concurrent calls: the queue, its workers and their locks (the net8.0 Lock polyfill) all take part.
        var calls = Enumerable.Range(0, 8)
            .Select(_ => client.CallToolAsync(service, "add", addArguments.RootElement, cancellationToken: ct).AsTask())
            .ToArray();
        foreach (var call in calls)
        {
            using var result = await call.ConfigureAwait(false);
            var text = result.Json.GetRawText();
            // REST answers {"result":5}; MCP tools/call carries it as structuredContent.
            var answer = service == "mcp" ? result.Json.GetProperty("structuredContent") : result.Json;
            Check(answer.TryGetProperty("result", out var sum) && sum.GetDouble() == 5, $"{service}: add(2,3) answered {text}");
        }
    }

    foreach (var service in new[] { "rest", "direct" })
    {
        // A resource path is split into segments (the net8.0 span Split polyfill) and streamed through the SSE parser.
        var indexes = new List<int>();
        await foreach (var item in client.GetResourceAsync(service, "events/3", ct).ConfigureAwait(false))
        {
            indexes.Add(item.GetProperty("index").GetInt32());
        }

        Check(indexes.SequenceEqual([0, 1, 2]), $"{service}: events/3 gave [{string.Join(",", indexes)}]");
    }
}

Console.WriteLine($"package smoke: {(failures == 0 ? "ok" : $"{failures} failed")} — Cortex.Mcp.Fast {libraryFramework} on {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}");
return failures == 0 ? 0 : 1;

void Check(bool condition, string what)
{
    if (!condition)
    {
        failures++;
        Console.Error.WriteLine("FAILED: " + what);
    }
}
