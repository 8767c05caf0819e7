using System.Net;
using System.Text;
using Cortex.Mcp.Fast.Transports.Http;
using Microsoft.Extensions.Time.Testing;

namespace Cortex.Mcp.Fast.Tests.Transports.Http;

/// <summary>A known token that straddles the displayed-message bound leaves no prefix behind (messages were once cut before secrets were masked).</summary>
public sealed class HttpErrorResponseCutTests
{
    [Theory]
    [InlineData("{{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{{\"code\":-32001,\"message\":\"{0}\"}}}}")]
    [InlineData("{{\"detail\":\"{0}\"}}")]
    public async Task Read_KnownTokenStraddlingTheMessageBound_LeaksNoPrefix(string template)
    {
        const string Token = "SECRETPREFIX-0123456789abcdefghij";
        var auth = new AuthHeaderCache(BearerTokenProvider.FromStatic(Token));
        await auth.GetAsync(CancellationToken.None);
        var message = new string('x', 500) + " " + Token;
        using var response = new HttpResponseMessage(HttpStatusCode.Forbidden)
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(string.Format(System.Globalization.CultureInfo.InvariantCulture, template, message))),
        };
        response.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");

        var error = await HttpErrorResponse.ReadAsync(EngineResponses.Of(response), new FakeTimeProvider(), new SecretRedactor(auth), CancellationToken.None);

        Assert.DoesNotContain("SECRETP", error.Detail, StringComparison.Ordinal);
    }
}
