using System.Text;
using Cortex.Mcp.Fast.Transports.Http;

namespace Cortex.Mcp.Fast.Tests.Transports.Http;

/// <summary>Secrets never reach a message: the client's own tokens (current and previous) and credential-shaped
/// text are masked; server text is sanitised (no control characters, bounded, lenient UTF-8).</summary>
public sealed class SecretRedactorTests
{
    [Fact]
    public async Task Redact_KnownTokens_CurrentAndPreviousAreMasked()
    {
        var issued = 0;
        var auth = new AuthHeaderCache(BearerTokenProvider.FromDelegate(_ => new ValueTask<string>($"tok{Interlocked.Increment(ref issued)}-Zq9!secret")));
        var redactor = new SecretRedactor(auth);
        var first = await auth.GetAsync(CancellationToken.None);
        var second = await auth.RefreshAsync(first, CancellationToken.None);

        var text = redactor.Redact($"stale={first.Token}; fresh={second.Token}; again {first.Token}");

        Assert.Equal("tok1-Zq9!secret", first.Token);
        Assert.Equal("tok2-Zq9!secret", second.Token);
        Assert.DoesNotContain("Zq9", text, StringComparison.Ordinal);
        Assert.Equal($"stale={SecretRedactor.Mask}; fresh={SecretRedactor.Mask}; again {SecretRedactor.Mask}", text);
    }

    [Fact]
    public void Redact_WithoutAProvider_KnownNothingButPatterns()
    {
        Assert.Equal("plain tok1-value", new SecretRedactor(null).Redact("plain tok1-value"));
    }

    [Theory]
    [InlineData("Bearer xyz", "Bearer [redacted]")]
    [InlineData("got bearer abc.DEF_123-~+/== from you", "got bearer [redacted] from you")]
    [InlineData("Basic dXNlcjpwYXNz", "Basic [redacted]")]
    [InlineData("Authorization: xyz", "Authorization: [redacted]")]
    [InlineData("authorization=xyz&x=1", "authorization=[redacted]")]
    [InlineData("{\"authorization\":\"xyz\",\"b\":1}", "{\"authorization\":\"[redacted]\",\"b\":1}")]
    [InlineData("{\"Authorization\" : \"xyz\"}", "{\"Authorization\" : \"[redacted]\"}")]
    public void Redact_CredentialShapedText_IsMasked(string input, string expectedStart)
    {
        var text = SecretRedactor.PatternsOnly.Redact(input);

        Assert.StartsWith(expectedStart, text, StringComparison.Ordinal);
        Assert.DoesNotContain("xyz", text, StringComparison.Ordinal);
        Assert.DoesNotContain("dXNlcjpwYXNz", text, StringComparison.Ordinal);
        Assert.DoesNotContain("abc.DEF", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Redact_AuthorizationHeaderWithBearer_MasksTheToken()
    {
        var text = SecretRedactor.PatternsOnly.Redact("Authorization: Bearer eyJhbGciOi.payload.sig");

        Assert.DoesNotContain("eyJhbGciOi", text, StringComparison.Ordinal);
        Assert.DoesNotContain("payload", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("nothing secret here: 503 Service Unavailable")]
    [InlineData("{\"detail\":\"token expired\"}")]
    public void Redact_OrdinaryText_IsUnchanged(string input) =>
        Assert.Equal(input, SecretRedactor.PatternsOnly.Redact(input));

    [Fact]
    public void Sanitize_ControlCharacters_BecomeSpacesAndTheEndsAreTrimmed()
    {
        Assert.Equal("a b c  d", TextSanitizer.Sanitize(" \r\na\nb\tc\u0000\u007fd\n", SecretRedactor.PatternsOnly));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Sanitize_NothingIsEmpty(string? input) =>
        Assert.Equal(string.Empty, TextSanitizer.Sanitize(input, SecretRedactor.PatternsOnly));

    [Fact]
    public void Sanitize_LongText_IsCutAtTheBound()
    {
        var text = TextSanitizer.Sanitize(new string('a', 10_000), SecretRedactor.PatternsOnly);

        Assert.Equal(new string('a', TextSanitizer.MaxLength) + "…", text);
    }

    [Fact]
    public void Sanitize_TextAtTheBound_IsNotCut()
    {
        var input = new string('a', TextSanitizer.MaxLength);

        Assert.Equal(input, TextSanitizer.Sanitize(input, SecretRedactor.PatternsOnly));
    }

    [Fact]
    public void Sanitize_SecretBeyondTheBound_IsMaskedBeforeTheCut()
    {
        // Masking first means no prefix of a secret survives at the cut.
        var text = TextSanitizer.Sanitize(new string('a', TextSanitizer.MaxLength - 10) + " Bearer 0123456789abcdef", SecretRedactor.PatternsOnly);

        Assert.DoesNotContain("0123", text, StringComparison.Ordinal);
        Assert.True(text.Length <= TextSanitizer.MaxLength + 1);
    }

    [Fact]
    public void FromUtf8_InvalidSequences_BecomeReplacementCharacters()
    {
        var text = TextSanitizer.FromUtf8([.. "a"u8, 0xFF, .. "b"u8, 0xC3, 0x28, .. "c"u8, 0xE4, 0xB8], SecretRedactor.PatternsOnly);

        Assert.Equal("a\uFFFDb\uFFFD(c\uFFFD", text);
    }

    [Fact]
    public void FromUtf8_HugeInput_IsBounded()
    {
        var text = TextSanitizer.FromUtf8(Encoding.UTF8.GetBytes(new string('\u4e16', 100_000)), SecretRedactor.PatternsOnly);

        Assert.Equal(TextSanitizer.MaxLength + 1, text.Length);
    }

    [Fact]
    public async Task FromUtf8_KnownTokenInBytes_IsMasked()
    {
        var auth = new AuthHeaderCache(BearerTokenProvider.FromStatic("s3cr3t-token-value"));
        await auth.GetAsync(CancellationToken.None);

        var text = TextSanitizer.FromUtf8("invalid token s3cr3t-token-value\n"u8, new SecretRedactor(auth));

        Assert.Equal("invalid token " + SecretRedactor.Mask, text);
    }
}
