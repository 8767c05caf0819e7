using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Text;
using Cortex.Mcp.Fast.IntegrationTests.Client;
using Cortex.Mcp.Fast.Testing;
using Microsoft.AspNetCore.Http;

namespace Cortex.Mcp.Fast.IntegrationTests.Faults;

/// <summary>Runs alone: its EventListener turns on every System.Net event source of the process at Verbose.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SecretsInLogsGroup
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Fault matrix secrets in logs";
}

/// <summary>
/// Row 37: with everything traced (our logger at Trace, an <see cref="EventListener"/> on every <c>System.Net*</c> event
/// source at Verbose with all keywords), a run through authentication, a token rotation (401, refresh, retry), error
/// bodies that echo the token, retries of 503s and MCP sessions leaves the bearer token and the session id nowhere:
/// not in a log line, an event payload, an exception, or a URL. On both engines and both protocols.
/// </summary>
[Collection(SecretsInLogsGroup.Name)]
public abstract class SecretsInLogsTests(HttpEngineKind engine)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(McpProtocol.Rest)]
    [InlineData(McpProtocol.StreamableHttp)]
    public async Task Row37_TraceEverything_TheTokenAndSessionIdAppearNowhere(McpProtocol protocol)
    {
        using var bound = new CancellationTokenSource(Bound);
        var token = "tok-" + Guid.NewGuid().ToString("N");
        var rotated = "tok-" + Guid.NewGuid().ToString("N");
        using var events = new SystemNetEvents();
        using var logs = new LogCapture();
        var failures = new List<string>();
        var sessionIds = new ConcurrentQueue<string>();

        await using var service = await TestMcpService.StartAsync(new TestMcpServiceOptions
        {
            RequiredBearerToken = token,
            McpMode = protocol == McpProtocol.StreamableHttp ? TestMcpMode.StatefulSse : TestMcpMode.StatelessJson,
        });
        var echoes = 0;
        service.Faults.Intercept = async context =>
        {
            context.Response.OnStarting(() =>
            {
                if (context.Response.Headers.TryGetValue("Mcp-Session-Id", out var id))
                {
                    sessionIds.Enqueue(id.ToString());
                }

                return Task.CompletedTask;
            });

            // Error bodies that echo what the client sent: its Authorization header, in JSON and in text.
            if (HttpMethods.IsPost(context.Request.Method) && Interlocked.Increment(ref echoes) is 3 or 4)
            {
                var authorization = context.Request.Headers.Authorization.ToString();
                context.Response.StatusCode = 503;
                context.Response.Headers.RetryAfter = "0";
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync($$"""{"detail":"bad {{authorization}}","message":"{{authorization}}"}""", context.RequestAborted);
                return true;
            }

            return false;
        };
        var current = token;
        var discovery = new InMemoryServiceDiscovery();
        await discovery.RegisterAsync("svc", protocol == McpProtocol.Rest ? service.BaseAddress : service.McpAddress, bound.Token);
        var options = new NetworkMcpClientOptions { Discovery = discovery, LoggerFactory = logs };
        var s = options.DefaultServiceOptions;
        s.Protocol = protocol;
        s.Http.Engine = engine;
        s.Http.BearerTokenProvider = BearerTokenProvider.FromDelegate(_ => new ValueTask<string>(Volatile.Read(ref current)));
        s.Retry = new RetryOptions { MaxRetries = 3, BaseDelay = TimeSpan.FromMilliseconds(1) };
        await using (var client = new NetworkMcpClient(options))
        {
            // Authenticated calls; the third and fourth POSTs are 503s echoing the token (retried, logged).
            for (var i = 0; i < 4; i++)
            {
                (await client.CallToolAsync("svc", "echo", """{"text":"hi"}"""u8.ToArray(), null, bound.Token)).Dispose();
            }

            // The token rotates on the service first: a 401 for a cached token, a refresh, the call retried.
            service.Faults.ValidBearerToken = rotated;
            Volatile.Write(ref current, rotated);
            (await client.CallToolAsync("svc", "echo", """{"text":"rotated"}"""u8.ToArray(), null, bound.Token)).Dispose();

            // A token the service refuses for good: a typed error, whose text is checked too.
            service.Faults.ValidBearerToken = "tok-" + Guid.NewGuid().ToString("N");
            var refused = await Record.ExceptionAsync(() => client.CallToolAsync("svc", "echo", """{"text":"no"}"""u8.ToArray(), null, bound.Token).AsTask());
            failures.Add(Assert.IsAssignableFrom<ServiceCallException>(refused).ToString());

            // A tool failure whose result text is the token (MCP isError / REST error body).
            service.Faults.ValidBearerToken = rotated;
            var failed = await Record.ExceptionAsync(() => client.CallToolAsync("svc", "fail", Encoding.UTF8.GetBytes($$"""{"status":500,"message":"{{rotated}}"}"""), null, bound.Token).AsTask());
            if (failed is not null)
            {
                failures.Add(failed.ToString());
            }
        }

        // The capture saw the run: our logs and System.Net events are there, and the secrets were really used.
        Assert.NotEmpty(logs.Lines);
        Assert.Contains(events.Texts, t => t.StartsWith("System.Net", StringComparison.Ordinal));
        Assert.True(Volatile.Read(ref echoes) >= 4, "the token-echoing 503s were not reached");
        if (protocol == McpProtocol.StreamableHttp)
        {
            Assert.NotEmpty(sessionIds);
        }

        // The runtime's own internal trace source (Private.InternalDiagnostics.System.Net.Http, not a public System.Net
        // source) prints every request's headers verbatim, Authorization included, when SocketsHttpHandler sends: that
        // is the runtime's debugging output, outside this library. It is checked on the direct engine, which it never sees.
        var traced = engine == HttpEngineKind.SocketsHttpHandler ? events.Texts.Where(t => !t.StartsWith(SystemNetEvents.RuntimeInternal, StringComparison.Ordinal)) : events.Texts;
        var secrets = new[] { token, rotated }.Concat(sessionIds.Distinct()).ToArray();
        foreach (var text in logs.Lines.Concat(traced).Concat(failures))
        {
            foreach (var secret in secrets)
            {
                Assert.False(text.Contains(secret, StringComparison.Ordinal), $"a secret leaked into: {text.Replace(secret, "<SECRET>", StringComparison.Ordinal)}");
            }
        }
    }

    /// <summary>Every event of every <c>System.Net*</c> event source (public and internal diagnostics) at Verbose, all
    /// keywords, flattened to text: event name, message and every payload value.</summary>
    private sealed class SystemNetEvents : EventListener
    {
        /// <summary>The prefix of the runtime's internal diagnostics sources.</summary>
        public const string RuntimeInternal = "Private.InternalDiagnostics.";

        private readonly ConcurrentQueue<string> _texts = new();

        public IEnumerable<string> Texts => _texts;

        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            if (eventSource.Name.StartsWith("System.Net", StringComparison.Ordinal)
                || eventSource.Name.StartsWith(RuntimeInternal + "System.Net", StringComparison.Ordinal))
            {
                EnableEvents(eventSource, EventLevel.Verbose, EventKeywords.All);
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs eventData)
        {
            var text = new StringBuilder().Append(eventData.EventSource.Name).Append('/').Append(eventData.EventName).Append(": ");
            if (eventData.Message is { } message)
            {
                text.Append(message).Append(' ');
            }

            if (eventData.Payload is { } payload)
            {
                foreach (var value in payload)
                {
                    text.Append(value).Append(';');
                }
            }

            _texts.Enqueue(text.ToString());
        }
    }
}

/// <summary>Row 37 on the default engine.</summary>
public sealed class SecretsInLogsTestsOnSocketsHttpHandler() : SecretsInLogsTests(HttpEngineKind.SocketsHttpHandler);

/// <summary>Row 37 on the direct HTTP/1.1 engine.</summary>
public sealed class SecretsInLogsTestsOnDirectEngine() : SecretsInLogsTests(HttpEngineKind.Direct);
