using Cortex.Mcp.Fast.Errors;

namespace Cortex.Mcp.Fast.Tests.Errors;

/// <summary>The one place that builds public exceptions: attempt counts are final, shared exceptions never mutated.</summary>
public sealed class ErrorFactoryTests
{
    [Fact]
    public void FromFailure_Status_CarriesTheFactsAndTheFinalAttemptCount()
    {
        var failure = TransportFailure.Status(503, "busy", TimeSpan.FromSeconds(2));

        var error = ErrorFactory.FromFailure("svc", "t", failure, 3, OperationKind.Tool);

        Assert.IsType<ServiceCallException>(error);
        Assert.Equal(503, error.StatusCode);
        Assert.Equal(3, error.Attempts);
        Assert.Equal(TimeSpan.FromSeconds(2), error.RetryAfter);
        Assert.Equal(FailureKind.HttpStatus, error.FailureKind);
    }

    [Fact]
    public void WithAttempts_ALegacyException_IsCopiedWithTheCountAndTheOriginalIsUntouched()
    {
        var cause = new IOException("reset");
        var original = new ResourceStreamException("svc", "p", "broke", FailureKind.NetworkError, cause) { StatusCode = 502, RequestNotSent = true };

        var copy = ErrorFactory.FromException("svc", "p", original, 2, OperationKind.Resource);

        var typed = Assert.IsType<ResourceStreamException>(copy);
        Assert.NotSame(original, typed);
        Assert.Equal(2, typed.Attempts);
        Assert.Equal(0, original.Attempts);
        Assert.Equal("broke", typed.Message);
        Assert.Same(cause, typed.InnerException);
        Assert.Equal(502, typed.StatusCode);
        Assert.True(typed.RequestNotSent);
        Assert.Equal(FailureKind.NetworkError, typed.FailureKind);
        Assert.Same(original, ErrorFactory.WithAttempts(original, 0));
    }

    [Fact]
    public void FromException_NotOurs_IsStillTyped()
    {
        var error = ErrorFactory.FromException("svc", "t", new InvalidOperationException("bug"), 1, OperationKind.Tool);

        Assert.IsType<ServiceCallException>(error);
        Assert.IsType<InvalidOperationException>(error.InnerException);
        Assert.Equal(1, error.Attempts);
    }

    [Fact]
    public void FromFailure_InvalidTargetOfAStream_IsInvalidResourcePath()
    {
        Assert.IsType<InvalidResourcePathException>(ErrorFactory.FromFailure("svc", "p", TransportFailure.InvalidTarget("bad"), 0, OperationKind.Resource));
        Assert.IsType<InvalidResourcePathException>(ErrorFactory.FromFailure("svc", "p", TransportFailure.InvalidTarget("bad"), 0, OperationKind.Subscription));
        Assert.IsType<InvalidToolNameException>(ErrorFactory.FromFailure("svc", "t", TransportFailure.InvalidTarget("bad"), 0, OperationKind.Tool));
    }

    [Fact]
    public void Facts_RefusalsBeforeIo_AreIgnoredByTheBreakerAndNotRetried()
    {
        foreach (var failure in new[] { TransportFailure.NotSupported("no"), TransportFailure.InvalidTarget("bad"), TransportFailure.Disposed() })
        {
            var facts = FailureFacts.Of(failure);
            Assert.Equal(BreakerOutcome.Ignored, facts.BreakerOutcome);
            Assert.False(facts.IsRetryable);
        }
    }

    [Theory]
    [InlineData(-32603, true)]
    [InlineData(-32602, false)]
    public void Facts_JsonRpcErrors_FromATransportFailureOrALegacyException_ClassifyTheSame(long code, bool failure)
    {
        var expected = failure ? BreakerOutcome.Failure : BreakerOutcome.Success;
        Assert.Equal(expected, FailureFacts.Of(TransportFailure.JsonRpc(code, "x", 200)).BreakerOutcome);
        var legacyKind = code == -32603 ? FailureKind.Other : FailureKind.HttpStatus;
        Assert.Equal(expected, FailureFacts.Of(new McpErrorException("svc", "t", code, "x", legacyKind) { StatusCode = 200 }).BreakerOutcome);
    }

    [Fact]
    public void Facts_ConnectFailure_IsRetryableNotSentAndABreakerFailure()
    {
        var facts = FailureFacts.Of(TransportFailure.ConnectFailed("refused", null));

        Assert.True(facts.IsRetryable);
        Assert.True(facts.NotSent);
        Assert.Equal(BreakerOutcome.Failure, facts.BreakerOutcome);
    }
}
