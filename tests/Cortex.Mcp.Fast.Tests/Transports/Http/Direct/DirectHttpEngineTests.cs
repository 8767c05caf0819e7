using Cortex.Mcp.Fast.Transports.Http.Direct;

namespace Cortex.Mcp.Fast.Tests.Transports.Http.Direct;

public sealed class DirectHttpEngineTests
{
    [Theory]
    [InlineData("http://127.0.0.1:5000/base/", "127.0.0.1:5000")]
    [InlineData("http://example.test/", "example.test")]
    [InlineData("https://example.test:443/", "example.test")]
    [InlineData("https://example.test:8443/", "example.test:8443")]
    [InlineData("http://[::1]:8080/", "[::1]:8080")]
    public async Task Authority_FromTheBaseAddress(string address, string authority)
    {
        await using var engine = new DirectHttpEngine(new Uri(address), new DirectHttpEngineSettings(), tls: null, TimeProvider.System);
        Assert.Equal(authority, engine.Authority);
        Assert.Equal(0, engine.Pool.OpenConnections);
    }

    [Theory]
    [InlineData("ftp://example.test/")]
    [InlineData("/relative")]
    public void Constructor_NotHttp_Refused(string address) =>
        Assert.Throws<ArgumentException>(() => new DirectHttpEngine(new Uri(address, UriKind.RelativeOrAbsolute), new DirectHttpEngineSettings(), tls: null, TimeProvider.System));
}
