using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Resilience;

namespace Cortex.Mcp.Fast.Tests.Errors;

/// <summary>The classification tables: what is retried and what counts against the breaker.</summary>
public sealed class FailureClassifierTests
{
    [Theory]
    [InlineData(FailureKind.None, false)]
    [InlineData(FailureKind.ConnectFailure, true)]
    [InlineData(FailureKind.NetworkError, true)]
    [InlineData(FailureKind.Timeout, true)]
    [InlineData(FailureKind.JsonRpcError, false)]
    [InlineData(FailureKind.ProtocolError, false)]
    [InlineData(FailureKind.ToolError, false)]
    [InlineData(FailureKind.Canceled, false)]
    [InlineData(FailureKind.Other, false)]
    public void IsRetryable_EachKind_MatchesDesign(FailureKind kind, bool expected) =>
        Assert.Equal(expected, FailureClassifier.IsRetryable(kind, 0));

    [Theory]
    [InlineData(200, false)]
    [InlineData(302, false)]
    [InlineData(400, false)]
    [InlineData(401, false)]
    [InlineData(403, false)]
    [InlineData(404, false)]
    [InlineData(408, true)]
    [InlineData(409, false)]
    [InlineData(422, false)]
    [InlineData(429, true)]
    [InlineData(500, false)]
    [InlineData(501, false)]
    [InlineData(502, true)]
    [InlineData(503, true)]
    [InlineData(504, true)]
    [InlineData(505, false)]
    public void IsRetryable_EachStatus_MatchesDesign(int status, bool expected) =>
        Assert.Equal(expected, FailureClassifier.IsRetryable(FailureKind.HttpStatus, status));

    [Theory]
    [InlineData(FailureKind.None, false)]
    [InlineData(FailureKind.ConnectFailure, true)]
    [InlineData(FailureKind.NetworkError, true)]
    [InlineData(FailureKind.Timeout, true)]
    [InlineData(FailureKind.JsonRpcError, false)]
    [InlineData(FailureKind.ProtocolError, true)]
    [InlineData(FailureKind.ToolError, false)]
    [InlineData(FailureKind.Canceled, false)]
    [InlineData(FailureKind.Other, true)]
    public void IsBreakerFailure_EachKind_MatchesDesign(FailureKind kind, bool expected) =>
        Assert.Equal(expected, FailureClassifier.IsBreakerFailure(kind, 503));

    [Theory]
    [InlineData(200, false)]
    [InlineData(400, false)]
    [InlineData(401, false)]
    [InlineData(403, false)]
    [InlineData(404, false)]
    [InlineData(408, true)]
    [InlineData(409, false)]
    [InlineData(429, true)]
    [InlineData(500, true)]
    [InlineData(502, true)]
    [InlineData(503, true)]
    [InlineData(504, true)]
    [InlineData(599, true)]
    [InlineData(600, false)]
    public void IsBreakerFailure_EachStatus_MatchesDesign(int status, bool expected) =>
        Assert.Equal(expected, FailureClassifier.IsBreakerFailure(FailureKind.HttpStatus, status));

    [Theory]
    [InlineData(FailureKind.ConnectFailure, true)]
    [InlineData(FailureKind.NetworkError, false)]
    [InlineData(FailureKind.Timeout, false)]
    [InlineData(FailureKind.Other, false)]
    public void IsProvablyNotSent_EachKind_OnlyWhenNothingWasWritten(FailureKind kind, bool expected) =>
        Assert.Equal(expected, FailureClassifier.IsProvablyNotSent(kind));

    [Theory]
    [InlineData(-32603, true)]
    [InlineData(-32601, false)]
    [InlineData(-32602, false)]
    [InlineData(-32000, false)]
    public void IsBreakerFailure_JsonRpcError_OnlyInternalErrorCounts(long code, bool expected) =>
        Assert.Equal(expected, FailureClassifier.IsBreakerFailure(FailureKind.JsonRpcError, 200, code));

    [Theory]
    [InlineData(FailureKind.ToolError, true)]
    [InlineData(FailureKind.HttpStatus, true)]
    [InlineData(FailureKind.JsonRpcError, true)]
    [InlineData(FailureKind.NetworkError, false)]
    [InlineData(FailureKind.Canceled, false)]
    public void ServiceAnswered_EachKind(FailureKind kind, bool expected) =>
        Assert.Equal(expected, FailureClassifier.ServiceAnswered(kind));
}
