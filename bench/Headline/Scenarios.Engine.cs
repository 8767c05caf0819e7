using System.Buffers;
using System.Runtime.CompilerServices;
using Cortex.Mcp.Fast.Transports.Http;

namespace Cortex.Mcp.Fast.Bench.Headline;

/// <summary>The direct HTTP/1.1 engine alone: the layer between the floor and the full client.</summary>
public static partial class Scenarios
{
    /// <summary>
    /// The REST echo exchange through the direct engine with nothing above it — no queue, workers, breaker, retries,
    /// deadline, statistics or transport: the caller leases a pooled connection, writes the pre-encoded request,
    /// parses the head, reads the body into a pooled buffer and gives the connection back. Against the floor it says
    /// what the engine costs; against <c>cortex-rest-direct</c>, what everything above it costs.
    /// </summary>
    private sealed class DirectEngineScenario : CallScenario
    {
        private readonly IHttpEngine _engine;
        private readonly HttpTarget _target;

        public DirectEngineScenario(Uri restBase, int concurrency)
            : base("direct-engine", BaselineOf("direct-engine"))
        {
            var options = new McpServiceOptions();
            options.Http.Engine = HttpEngineKind.Direct;
            _engine = HttpEngines.Create(restBase, options, Math.Max(1, concurrency), TimeProvider.System);
            _target = _engine.CreateTarget(HttpMethod.Post, new Uri(restBase, "tool/echo"), accept: null, "application/json");
        }

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        public override async ValueTask CallAsync(CancellationToken cancellationToken)
        {
            var response = await _engine.SendAsync(_target, default, s_arguments, cancellationToken).ConfigureAwait(false);
            await using (response.ConfigureAwait(false))
            {
                if (response.Status != 200)
                {
                    throw new InvalidOperationException($"HTTP {response.Status}");
                }

                var (buffer, length) = await response.ReadBodyPooledAsync(1 << 20, cancellationToken).ConfigureAwait(false);
                var echoed = buffer.AsSpan(0, length).SequenceEqual(s_expectedEcho);
                ArrayPool<byte>.Shared.Return(buffer);
                if (!echoed)
                {
                    throw new InvalidOperationException("The reply is not the echo of the arguments.");
                }
            }
        }

        public override ValueTask DisposeAsync() => _engine.DisposeAsync();
    }
}
