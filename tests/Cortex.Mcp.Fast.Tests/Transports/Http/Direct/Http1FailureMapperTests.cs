using System.Net.Sockets;
using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Transports.Http.Direct;

namespace Cortex.Mcp.Fast.Tests.Transports.Http.Direct;

/// <summary>The direct engine's failures become the same reports as the default engine's: kind, not-sent, TLS, timeout.</summary>
public sealed class Http1FailureMapperTests
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(3);

    [Fact]
    public void ProtocolRefusal_IsAProtocolFailure_NamingTheRule()
    {
        var failure = Http1FailureMapper.Map(Http1ProtocolException.Create(Http1ProtocolError.ContentLengthAndChunked), ConnectTimeout, CancellationToken.None)!;

        Assert.Equal(FailureShape.Protocol, failure.Shape);
        Assert.Equal(FailureKind.ProtocolError, failure.Kind);
        Assert.Contains("ContentLengthAndChunked", failure.Message, StringComparison.Ordinal);
        Assert.False(failure.NotSent);
    }

    [Fact]
    public void TlsHandshakeFailure_IsNotSentAndNotRetryable()
    {
        var failure = Http1FailureMapper.Map(new Http1ConnectionException("handshake", requestNotSent: true, tlsHandshakeFailed: true), ConnectTimeout, CancellationToken.None)!;

        Assert.True(failure.NotSent);
        Assert.Equal(FailureKind.Other, failure.Kind);
        Assert.False(FailureClassifier.IsRetryable(failure.Kind, failure.StatusCode));
    }

    [Fact]
    public void ConnectTimeout_IsATimeoutOfTheConnectLimit_NotSent()
    {
        var failure = Http1FailureMapper.Map(new Http1ConnectionException("The connect timed out.", requestNotSent: true, new OperationCanceledException()), ConnectTimeout, CancellationToken.None)!;

        Assert.Equal(FailureShape.Timeout, failure.Shape);
        Assert.Equal(TimeoutLimit.Connect, failure.Limit);
        Assert.Equal(ConnectTimeout, failure.LimitValue);
        Assert.True(failure.NotSent);
    }

    [Fact]
    public void ConnectRefusedOrStalePooledConnection_IsAConnectFailure_SafeToRetryEvenWhenNotIdempotent()
    {
        var failure = Http1FailureMapper.Map(new Http1ConnectionException("The connect failed.", requestNotSent: true, new SocketException((int)SocketError.ConnectionRefused)), ConnectTimeout, CancellationToken.None)!;

        Assert.Equal(FailureKind.ConnectFailure, failure.Kind);
        Assert.True(failure.NotSent);
        Assert.True(FailureClassifier.IsProvablyNotSent(failure.Kind));
    }

    [Fact]
    public void BrokenAfterSending_IsANetworkError_NotNotSent()
    {
        var failure = Http1FailureMapper.Map(new Http1ConnectionException("reset", requestNotSent: false), ConnectTimeout, CancellationToken.None)!;

        Assert.Equal(FailureKind.NetworkError, failure.Kind);
        Assert.False(failure.NotSent);
        Assert.True(FailureClassifier.IsRetryable(failure.Kind, failure.StatusCode));
    }

    [Fact]
    public void CallersOwnCancellation_IsNotMapped()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        Assert.Null(Http1FailureMapper.Map(new OperationCanceledException(cts.Token), ConnectTimeout, cts.Token));
    }
}
