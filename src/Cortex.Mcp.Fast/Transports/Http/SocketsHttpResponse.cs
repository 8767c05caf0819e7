using System.IO.Pipelines;
using Cortex.Mcp.Fast.Transports.Streams;

namespace Cortex.Mcp.Fast.Transports.Http;

/// <summary>The target of the default engine: a method and a URI, turned into an <see cref="HttpRequestMessage"/> per request.</summary>
internal sealed class SocketsHttpTarget(HttpMethod method, Uri uri, string? accept, string? contentType) : HttpTarget(method, uri, accept, contentType);

/// <summary>A response of the default engine: an <see cref="HttpResponseMessage"/> and the request it answers.</summary>
internal sealed class SocketsHttpResponse : HttpEngineResponse
{
    private static readonly StreamPipeReaderOptions s_pipeOptions = new(leaveOpen: false);

    private readonly HttpRequestMessage _request;
    private readonly HttpResponseMessage _response;

    public SocketsHttpResponse(HttpRequestMessage request, HttpResponseMessage response)
    {
        _request = request;
        _response = response;
    }

    public override int Status => (int)_response.StatusCode;

    public override string? MediaType => _response.Content.Headers.ContentType?.MediaType;

    public override long? ContentLength => _response.Content.Headers.ContentLength;

    public override string? SessionId => First(_response.Headers, "Mcp-Session-Id");

    public override string? RetryAfter => First(_response.Headers, "Retry-After");

    public override ValueTask<(byte[] Buffer, int Length)> ReadBodyPooledAsync(int maxBytes, CancellationToken cancellationToken) =>
        HttpBodies.ReadPooledAsync(_response.Content, maxBytes, cancellationToken);

    public override async ValueTask<PipeReader> OpenBodyPipeAsync(LineProgress progress, CancellationToken cancellationToken)
    {
        var body = await _response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        return PipeReader.Create(new LineProgressStream(body, progress), s_pipeOptions);
    }

    public override ValueTask DisposeAsync()
    {
        _response.Dispose();
        _request.Dispose();
        return ValueTask.CompletedTask;
    }

    private static string? First(System.Net.Http.Headers.HttpResponseHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}
