using System.Net.Sockets;
using System.Security.Authentication;
using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Transports.Http;

namespace Cortex.Mcp.Fast.Tests.Transports.Http;

/// <summary>What the HTTP stack throws, mapped to one <see cref="TransportFailure"/> each; caller cancellation is never a failure.</summary>
public sealed class HttpFailureMapperTests
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(7);

    [Fact]
    public void Map_CancellationOfTheRequestToken_IsNull()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        Assert.Null(HttpFailureMapper.Map(new OperationCanceledException(cts.Token), ConnectTimeout, responseStarted: false, cts.Token));
        Assert.Null(HttpFailureMapper.Map(new TaskCanceledException("any"), ConnectTimeout, responseStarted: true, cts.Token));
    }

    [Fact]
    public void Map_ConnectTimeout_IsATimeoutThatNeverLeft()
    {
        var thrown = new TaskCanceledException("connect", new TimeoutException("ConnectTimeout"));

        var failure = Map(thrown);

        Assert.Equal(FailureShape.Timeout, failure.Shape);
        Assert.Equal(FailureKind.Timeout, failure.Kind);
        Assert.Equal(TimeoutLimit.Connect, failure.Limit);
        Assert.Equal(ConnectTimeout, failure.LimitValue);
        Assert.True(failure.NotSent);
        Assert.Same(thrown, failure.InnerException);
    }

    [Fact]
    public void Map_CancellationWithoutTheTokenOrATimeout_IsStillTyped()
    {
        var failure = Map(new OperationCanceledException("someone else's token"));

        Assert.Equal(FailureKind.Other, failure.Kind);
        Assert.False(failure.NotSent);
    }

    [Fact]
    public void Map_TransportFailure_PassesUnchanged()
    {
        var original = TransportFailure.Status(503, "HTTP 503");

        Assert.Same(original, Map(original));
    }

    [Theory]
    [InlineData(SocketError.ConnectionRefused)]
    [InlineData(SocketError.HostUnreachable)]
    [InlineData(SocketError.NetworkUnreachable)]
    [InlineData(SocketError.TimedOut)]
    [InlineData(SocketError.AddressNotAvailable)]
    [InlineData(SocketError.HostNotFound)]
    public void Map_ConnectionErrorWhileConnecting_IsAConnectFailureThatNeverLeft(SocketError error)
    {
        var thrown = new HttpRequestException(HttpRequestError.ConnectionError, "connect", new SocketException((int)error));

        var failure = Map(thrown);

        Assert.Equal(FailureKind.ConnectFailure, failure.Kind);
        Assert.True(failure.NotSent);
        Assert.Same(thrown, failure.InnerException);
    }

    [Fact]
    public void Map_ConnectionErrorAfterTheResponseStarted_IsANetworkErrorThatMayHaveRun()
    {
        var thrown = new HttpRequestException(HttpRequestError.ConnectionError, "reset", new SocketException((int)SocketError.ConnectionRefused));

        var failure = Map(thrown, responseStarted: true);

        Assert.Equal(FailureKind.NetworkError, failure.Kind);
        Assert.False(failure.NotSent);
    }

    [Fact]
    public void Map_ConnectionErrorWithoutAConnectSocketError_IsANetworkError()
    {
        // A pooled connection that dropped before the response: the request may have reached the server.
        var thrown = new HttpRequestException(HttpRequestError.ConnectionError, "dropped", new IOException("reset", new SocketException((int)SocketError.ConnectionReset)));

        var failure = Map(thrown);

        Assert.Equal(FailureKind.NetworkError, failure.Kind);
        Assert.False(failure.NotSent);
    }

    [Fact]
    public void Map_NameResolutionError_IsAConnectFailure()
    {
        var failure = Map(new HttpRequestException(HttpRequestError.NameResolutionError, "no such host"));

        Assert.Equal(FailureKind.ConnectFailure, failure.Kind);
        Assert.True(failure.NotSent);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Map_SecureConnectionError_IsANonTransientFailureThatNeverLeft(bool certificateRejected)
    {
        var thrown = new HttpRequestException(HttpRequestError.SecureConnectionError, "tls", certificateRejected ? new AuthenticationException("bad cert") : null);

        var failure = Map(thrown);

        Assert.Equal(FailureKind.Other, failure.Kind);
        Assert.True(failure.NotSent);
        Assert.Equal(certificateRejected, failure.Message.Contains("certificate rejected", StringComparison.Ordinal));
        Assert.False(FailureClassifier.IsRetryable(failure.Kind, failure.StatusCode));
    }

    [Theory]
    [InlineData(HttpRequestError.ResponseEnded)]
    [InlineData(HttpRequestError.Unknown)]
    [InlineData(HttpRequestError.VersionNegotiationError)]
    [InlineData(HttpRequestError.UserAuthenticationError)]
    [InlineData(HttpRequestError.ProxyTunnelError)]
    [InlineData(HttpRequestError.ExtendedConnectNotSupported)]
    public void Map_OtherRequestErrors_AreNetworkErrorsThatMayHaveRun(HttpRequestError error)
    {
        var failure = Map(new HttpRequestException(error, "x"));

        Assert.Equal(FailureShape.General, failure.Shape);
        Assert.Equal(FailureKind.NetworkError, failure.Kind);
        Assert.False(failure.NotSent);
    }

    [Theory]
    [InlineData(HttpRequestError.ConfigurationLimitExceeded)]
    [InlineData(HttpRequestError.InvalidResponse)]
    [InlineData(HttpRequestError.HttpProtocolError)]
    public void Map_InvalidResponses_AreProtocolErrors(HttpRequestError error)
    {
        var failure = Map(new HttpRequestException(error, "x"), responseStarted: true);

        Assert.Equal(FailureShape.Protocol, failure.Shape);
        Assert.Equal(FailureKind.ProtocolError, failure.Kind);
        Assert.Contains(error.ToString(), failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, "sending the request")]
    [InlineData(true, "reading the response")]
    public void Map_IOException_IsANetworkErrorNamingThePhase(bool responseStarted, string phase)
    {
        var thrown = new IOException("broken pipe");

        var failure = Map(thrown, responseStarted);

        Assert.Equal(FailureKind.NetworkError, failure.Kind);
        Assert.False(failure.NotSent);
        Assert.Contains(phase, failure.Message, StringComparison.Ordinal);
        Assert.Same(thrown, failure.InnerException);
    }

    [Fact]
    public void Map_SocketException_IsANetworkError() =>
        Assert.Equal(FailureKind.NetworkError, Map(new SocketException((int)SocketError.ConnectionReset)).Kind);

    [Fact]
    public void Map_AnythingElse_IsUnexpectedButTyped()
    {
        var thrown = new InvalidOperationException("bug");

        var failure = Map(thrown);

        Assert.Equal(FailureKind.Other, failure.Kind);
        Assert.Same(thrown, failure.InnerException);
        Assert.Contains(nameof(InvalidOperationException), failure.Message, StringComparison.Ordinal);
    }

    private static TransportFailure Map(Exception exception, bool responseStarted = false)
    {
        var failure = HttpFailureMapper.Map(exception, ConnectTimeout, responseStarted, CancellationToken.None);
        Assert.NotNull(failure);
        return failure;
    }
}
