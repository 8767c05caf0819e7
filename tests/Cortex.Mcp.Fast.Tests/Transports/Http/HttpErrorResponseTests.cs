using System.Globalization;
using System.Net;
using System.Text;
using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Transports.Http;
using Microsoft.Extensions.Time.Testing;

namespace Cortex.Mcp.Fast.Tests.Transports.Http;

/// <summary>
/// The one reader of error responses: the detail comes from a JSON-RPC error, a JSON <c>detail</c> or <c>message</c>,
/// or the text; whatever the body (invalid UTF-8, unreadable, huge), the status and Retry-After survive and reading
/// never throws.
/// </summary>
public sealed class HttpErrorResponseTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Read_JsonDetail_IsTheDetail()
    {
        var error = await Read(503, "{\"detail\":\"backend down\",\"message\":\"ignored\"}", "application/json");

        Assert.Equal(503, error.Status);
        Assert.Equal("HTTP 503: backend down", error.Detail);
        Assert.False(error.JsonRpc.HasJsonRpcError);
        Assert.False(error.IsRedirect);
    }

    [Fact]
    public async Task Read_JsonDetailAfterMessage_PrefersTheDetail()
    {
        var error = await Read(500, "{\"message\":\"generic\",\"other\":{\"deep\":[1,2]},\"detail\":\"specific\"}", "application/problem+json");

        Assert.Equal("HTTP 500: specific", error.Detail);
    }

    [Fact]
    public async Task Read_JsonMessage_IsTheMessage()
    {
        var error = await Read(429, "{\"message\":\"slow down\"}", "application/json");

        Assert.Equal("HTTP 429: slow down", error.Detail);
    }

    [Fact]
    public async Task Read_JsonRpcErrorBody_KeepsCodeAndMessage()
    {
        var error = await Read(400, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,\"message\":\"Bad Request: no session\"}}", "application/json");

        Assert.Equal(400, error.Status);
        Assert.True(error.JsonRpc.HasJsonRpcError);
        Assert.Equal(-32600, error.JsonRpc.Code);
        Assert.Equal("HTTP 400: JSON-RPC error -32600: Bad Request: no session", error.Detail);
    }

    [Fact]
    public async Task Read_PlainText_IsTheText()
    {
        var error = await Read(502, "  upstream\r\nconnect error\t ", "text/plain");

        Assert.Equal("HTTP 502: upstream  connect error", error.Detail);
    }

    [Fact]
    public async Task Read_JsonWithoutDetailOrMessage_IsTheText()
    {
        var error = await Read(500, "{\"error\":\"x\"}", "application/json");

        Assert.Equal("HTTP 500: {\"error\":\"x\"}", error.Detail);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("application/json")]
    [InlineData("text/plain")]
    public async Task Read_EmptyBody_SaysSo(string? mediaType)
    {
        var error = await Read(503, string.Empty, mediaType);

        Assert.Equal("HTTP 503: (empty body)", error.Detail);
    }

    public static TheoryData<string, byte[]> InvalidUtf8Bodies => new()
    {
        { "detail", [.. "{\"detail\":\"bad "u8, 0xFF, .. "\"}"u8] },
        { "message", [.. "{\"message\":\"bad "u8, 0xC3, 0x28, .. "\"}"u8] },
        { "JSON-RPC message", [.. "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32603,\"message\":\"bad "u8, 0xFE, .. "\"}}"u8] },
        { "property name", [.. "{\"de"u8, 0xFF, .. "tail\":\"bad x\"}"u8] },
        { "truncated sequence", [.. "{\"detail\":\"bad "u8, 0xE4, 0xB8] },
    };

    [Theory]
    [MemberData(nameof(InvalidUtf8Bodies))]
    public async Task Read_InvalidUtf8InsideJson_KeepsTheStatusAndNeverThrows(string name, byte[] body)
    {
        using var response = Response(503, body, "application/json");
        response.Headers.TryAddWithoutValidation("Retry-After", "3");

        var error = await HttpErrorResponse.ReadAsync(EngineResponses.Of(response), new FakeTimeProvider(Now), SecretRedactor.PatternsOnly, CancellationToken.None);

        Assert.Equal(503, error.Status);
        Assert.Equal(TimeSpan.FromSeconds(3), error.RetryAfter);
        Assert.StartsWith("HTTP 503: ", error.Detail, StringComparison.Ordinal);
        Assert.Contains("bad", error.Detail, StringComparison.Ordinal);
        var failure = error.ToFailure();
        Assert.Equal(FailureKind.HttpStatus, failure.Kind);
        Assert.Equal(503, failure.StatusCode);
        Assert.True(FailureClassifier.IsRetryable(failure.Kind, failure.StatusCode), name);
    }

    [Fact]
    public async Task Read_InvalidUtf8PlainText_IsReplacedNotThrown()
    {
        var error = await Read(500, [.. "oops "u8, 0xFF, 0xFE, .. " end"u8], "text/plain");

        Assert.Equal("HTTP 500: oops \uFFFD\uFFFD end", error.Detail);
    }

    [Fact]
    public async Task Read_UnreadableBody_KeepsTheStatus()
    {
        using var response = new HttpResponseMessage((HttpStatusCode)504)
        {
            Content = ScriptedBodyStream.Content("{\"detail\":\"par"u8.ToArray(), mediaType: "application/json", failAtEnd: new IOException("reset")),
        };

        var error = await HttpErrorResponse.ReadAsync(EngineResponses.Of(response), new FakeTimeProvider(Now), SecretRedactor.PatternsOnly, CancellationToken.None);

        Assert.Equal(504, error.Status);
        Assert.StartsWith("HTTP 504: ", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_BodyOverTheErrorLimit_KeepsTheStatusAndABoundedDetail()
    {
        var huge = Encoding.ASCII.GetBytes(new string('x', HttpErrorResponse.MaxErrorBody * 2));

        var error = await Read(500, huge, "text/plain");

        Assert.Equal(500, error.Status);
        Assert.InRange(error.Detail.Length, 10, "HTTP 500: ".Length + TextSanitizer.MaxLength + 1);
    }

    [Fact]
    public async Task Read_LongDetail_IsCutWithAnEllipsis()
    {
        var error = await Read(500, "{\"detail\":\"" + new string('d', 5000) + "\"}", "application/json");

        Assert.Equal("HTTP 500: " + new string('d', TextSanitizer.MaxLength) + "…", error.Detail);
    }

    [Theory]
    [InlineData(301)]
    [InlineData(302)]
    [InlineData(307)]
    [InlineData(308)]
    public async Task Read_Redirect_IsAStatusFailureThatNamesTheRedirectAndNotTheLocation(int status)
    {
        using var response = Response(status, "{\"detail\":\"moved\"}"u8.ToArray(), "application/json");
        response.Headers.Location = new Uri("http://elsewhere.example/secret-path");

        var error = await HttpErrorResponse.ReadAsync(EngineResponses.Of(response), new FakeTimeProvider(Now), SecretRedactor.PatternsOnly, CancellationToken.None);

        Assert.True(error.IsRedirect);
        Assert.Contains("redirect", error.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("elsewhere", error.Detail, StringComparison.Ordinal);
        var failure = error.ToFailure();
        Assert.Equal(FailureKind.HttpStatus, failure.Kind);
        Assert.Equal(status, failure.StatusCode);
        Assert.False(FailureClassifier.IsRetryable(failure.Kind, failure.StatusCode));
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("7", 7)]
    [InlineData("86400", 86400)]
    public async Task Read_RetryAfterSeconds_IsKept(string value, int seconds)
    {
        using var response = Response(429, "{}"u8.ToArray(), "application/json");
        response.Headers.TryAddWithoutValidation("Retry-After", value);

        var error = await HttpErrorResponse.ReadAsync(EngineResponses.Of(response), new FakeTimeProvider(Now), SecretRedactor.PatternsOnly, CancellationToken.None);

        Assert.Equal(TimeSpan.FromSeconds(seconds), error.RetryAfter);
        Assert.Equal(TimeSpan.FromSeconds(seconds), error.ToFailure().RetryAfter);
    }

    [Fact]
    public async Task Read_RetryAfterDate_IsTheTimeLeftOnTheClock()
    {
        var clock = new FakeTimeProvider(Now);
        using var response = Response(503, []);
        response.Headers.TryAddWithoutValidation("Retry-After", Now.AddSeconds(90).ToString("r", CultureInfo.InvariantCulture));
        clock.Advance(TimeSpan.FromSeconds(30));

        var error = await HttpErrorResponse.ReadAsync(EngineResponses.Of(response), clock, SecretRedactor.PatternsOnly, CancellationToken.None);

        Assert.Equal(TimeSpan.FromSeconds(60), error.RetryAfter);
    }

    [Theory]
    [InlineData("-5")]
    [InlineData("soon")]
    [InlineData("1.5")]
    public async Task Read_InvalidRetryAfter_IsIgnored(string value)
    {
        using var response = Response(503, []);
        response.Headers.TryAddWithoutValidation("Retry-After", value);

        var error = await HttpErrorResponse.ReadAsync(EngineResponses.Of(response), new FakeTimeProvider(Now), SecretRedactor.PatternsOnly, CancellationToken.None);

        Assert.Null(error.RetryAfter);
        Assert.Equal(503, error.Status);
    }

    [Fact]
    public async Task Read_ControlCharactersInTheDetail_BecomeSpaces()
    {
        var error = await Read(500, "{\"detail\":\"line1\\nline2\\u0007\\u001b[31mred\"}", "application/json");

        Assert.Equal("HTTP 500: line1 line2  [31mred", error.Detail);
        Assert.DoesNotContain(error.Detail, char.IsControl);
    }

    [Fact]
    public async Task Read_CredentialsInTheBody_AreMasked()
    {
        var error = await Read(401, "{\"detail\":\"rejected Authorization: Bearer abc.def-ghi for user\"}", "application/json");

        Assert.DoesNotContain("abc.def-ghi", error.Detail, StringComparison.Ordinal);
        Assert.Contains(SecretRedactor.Mask, error.Detail, StringComparison.Ordinal);
        Assert.Contains("for user", error.Detail, StringComparison.Ordinal);
    }

    private static async Task<HttpErrorResponse> Read(int status, string body, string? mediaType) =>
        await Read(status, Encoding.UTF8.GetBytes(body), mediaType);

    private static async Task<HttpErrorResponse> Read(int status, byte[] body, string? mediaType)
    {
        using var response = Response(status, body, mediaType);
        return await HttpErrorResponse.ReadAsync(EngineResponses.Of(response), new FakeTimeProvider(Now), SecretRedactor.PatternsOnly, CancellationToken.None);
    }

    private static HttpResponseMessage Response(int status, byte[] body, string? mediaType = null)
    {
        var content = new ByteArrayContent(body);
        if (mediaType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", mediaType);
        }

        return new HttpResponseMessage((HttpStatusCode)status) { Content = content };
    }
}
