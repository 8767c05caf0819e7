using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using Cortex.Mcp.Fast.Testing;
using Cortex.Mcp.Fast.Transports;
using Microsoft.Extensions.Logging;

namespace Cortex.Mcp.Fast.IntegrationTests.Client;

/// <summary>Bearer tokens (refresh once after a 401, never leaked) and TLS (custom CA, mutual TLS) over real sockets.</summary>
public abstract class SecurityTests(HttpEngineKind engine)
{
    [Fact]
    public async Task Bearer_RotatedToken_IsRefreshedOnceAndTheCallRetriedOnce()
    {
        var issued = 0;
        var provider = BearerTokenProvider.FromDelegate(_ => new ValueTask<string>("token-" + Interlocked.Increment(ref issued)));
        await using var h = await ClientHarness.StartAsync(engine, o => o.DefaultServiceOptions.Http.BearerTokenProvider = provider, new TestMcpServiceOptions { RequiredBearerToken = "token-1" });
        (await h.Within(h.Call("echo").AsTask())).Dispose();

        h.Service.Faults.ValidBearerToken = "token-2"; // the server rotates: token-1 is now refused
        using var result = await h.Within(h.Call("echo").AsTask());

        Assert.Equal(2, issued);
        Assert.Equal(3, h.Service.Counters.ToolRequests("echo"));
    }

    [Fact]
    public async Task Bearer_ConcurrentCallsAfterRotation_ShareOneRefresh()
    {
        var issued = 0;
        var provider = BearerTokenProvider.FromDelegate(async ct =>
        {
            await Task.Yield();
            return "token-" + Interlocked.Increment(ref issued);
        });
        await using var h = await ClientHarness.StartAsync(engine, o =>
        {
            o.DefaultServiceOptions.Http.BearerTokenProvider = provider;
            o.DefaultServiceOptions.Queue.WorkerCount = 8;
        }, new TestMcpServiceOptions { RequiredBearerToken = "token-1" });
        (await h.Within(h.Call("echo").AsTask())).Dispose();
        h.Service.Faults.ValidBearerToken = "token-2";

        var calls = Enumerable.Range(0, 20).Select(_ => h.Call("echo").AsTask()).ToList();
        foreach (var call in calls)
        {
            (await h.Within(call)).Dispose();
        }

        Assert.Equal(2, issued);
    }

    [Fact]
    public async Task Bearer_SecondUnauthorized_IsATypedErrorWithoutTheTokenAndNeverLoops()
    {
        var logs = new ConcurrentQueue<string>();
        var provider = BearerTokenProvider.FromStatic("s3cret-token-value");
        await using var h = await ClientHarness.StartAsync(engine, o =>
        {
            o.DefaultServiceOptions.Http.BearerTokenProvider = provider;
            o.LoggerFactory = new CapturingLoggerFactory(logs);
        }, new TestMcpServiceOptions { RequiredBearerToken = "another-token" });

        var error = Assert.IsType<ServiceCallException>(await h.FailureOf(h.Call("echo").AsTask()));

        Assert.Equal(401, error.StatusCode);
        Assert.Equal(2, h.Service.Counters.ToolRequests("echo")); // the first try and one retry after a refresh
        Assert.DoesNotContain("s3cret", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(logs, line => line.Contains("s3cret", StringComparison.Ordinal));
        Assert.DoesNotContain("s3cret", h.Client.GetDiagnostics().ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tls_CustomCa_IsTrustedAndUntrustedServerIsRefusedBeforeAnyRequest()
    {
        using var ca = TestCertificates.CreateCa();
        using var serverCertificate = TestCertificates.IssueServerCertificate(ca, "localhost");
        await using var trusted = await ClientHarness.StartAsync(
            engine,
            o =>
            {
                o.DefaultServiceOptions.Tls.TrustedRootCertificates = [X509CertificateLoader.LoadCertificate(ca.RawData)];
                o.DefaultServiceOptions.Tls.RemoteCertificateValidation = (_, _, _, errors) => (errors & ~System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch) == 0;
            },
            new TestMcpServiceOptions { Certificate = serverCertificate });

        using var ok = await trusted.Within(trusted.Call("echo").AsTask());
        Assert.Equal("https", trusted.Service.BaseAddress.Scheme);

        await using var untrusted = await ClientHarness.StartAsync(engine, serviceOptions: new TestMcpServiceOptions { Certificate = serverCertificate });
        var error = Assert.IsType<ServiceCallException>(await untrusted.FailureOf(untrusted.Call("echo").AsTask()));
        Assert.True(error.RequestNotSent);
        Assert.Equal(1, error.Attempts); // a certificate problem is not transient: not retried
        Assert.Equal(0, untrusted.Service.Counters.TotalRequests);
    }

    [Fact]
    public async Task Tls_MutualTls_SucceedsOnlyWithTheClientCertificate()
    {
        using var ca = TestCertificates.CreateCa();
        using var serverCertificate = TestCertificates.IssueServerCertificate(ca, "localhost");
        using var clientCertificate = TestCertificates.IssueClientCertificate(ca);
        var serviceOptions = new TestMcpServiceOptions { Certificate = serverCertificate, RequireClientCertificate = true, ClientCertificateAuthority = ca };
        void Tls(TlsOptions tls, X509Certificate2? client)
        {
            tls.RemoteCertificateValidation = (_, certificate, _, _) => certificate is not null && TestCertificates.ChainsTo(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()), ca);
            tls.ClientCertificates = client is null ? null : [client];
        }

        await using var with = await ClientHarness.StartAsync(engine, o => Tls(o.DefaultServiceOptions.Tls, clientCertificate), serviceOptions);
        using var ok = await with.Within(with.Call("echo").AsTask());

        await using var without = await ClientHarness.StartAsync(engine, o => Tls(o.DefaultServiceOptions.Tls, null), serviceOptions);
        Assert.IsAssignableFrom<ServiceCallException>(await without.FailureOf(without.Call("echo").AsTask()));
        Assert.Equal(0, without.Service.Counters.ToolRequests("echo"));
    }

    private sealed class CapturingLoggerFactory(ConcurrentQueue<string> lines) : ILoggerFactory
    {
        public void AddProvider(ILoggerProvider provider)
        {
        }

        public ILogger CreateLogger(string categoryName) => new Logger(lines);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue(formatter(state, exception) + " " + exception);
        }
    }
}

/// <summary>The suite on the default engine (<see cref="System.Net.Http.SocketsHttpHandler"/>).</summary>
public sealed class SecurityTestsOnSocketsHttpHandler() : SecurityTests(HttpEngineKind.SocketsHttpHandler);

/// <summary>The suite on the direct HTTP/1.1 engine.</summary>
public sealed class SecurityTestsOnDirectEngine() : SecurityTests(HttpEngineKind.Direct);
