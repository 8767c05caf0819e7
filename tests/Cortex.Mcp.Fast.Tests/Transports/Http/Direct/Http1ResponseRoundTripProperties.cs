using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Cortex.Mcp.Fast.Tests.Transports.Http.Direct;

/// <summary>
/// Round trip (STYLE habit 9): format any response (interim heads, kept and skipped headers, any framing, chunks with
/// extensions and trailers, bytes after the end), cut the bytes at arbitrary points, and read exactly what the
/// model predicts, the same as reading it whole.
/// </summary>
public sealed class Http1ResponseRoundTripProperties
{
    [Property(MaxTest = 400, Arbitrary = [typeof(Http1ScriptArbitrary)])]
    public void Read_FormattedResponseCutAnywhere_YieldsModel(Http1Script script)
    {
        byte[] bytes = script.Format();
        Http1Outcome expected = script.Expected();

        Assert.Equal(expected, Http1TestInput.Read([bytes]));
        Assert.Equal(expected, Http1TestInput.Read(Http1TestInput.CutAt(bytes, script.Cuts)));
    }
}

public enum Http1ScriptFraming
{
    ContentLength,
    Chunked,
    CloseDelimited,
}

/// <summary>One chunk: how many body bytes it carries, how its size is spelled, and its extension.</summary>
public sealed record Http1ScriptChunk(int Length, int LeadingZeros, bool Upper, string? Extension);

/// <summary>A generated response.</summary>
public sealed record Http1Script(
    int Interim,
    bool Http10,
    int Status,
    IReadOnlyList<(string Name, string Value)> Headers,
    string? ContentType,
    string? SessionId,
    string? RetryAfter,
    string? Connection,
    Http1ScriptFraming Framing,
    string Body,
    IReadOnlyList<Http1ScriptChunk> Chunks,
    IReadOnlyList<string> Trailers,
    string Trailing,
    IReadOnlyList<int> Cuts)
{
    private bool NoBody => Status is 204 or 304;

    private Http1ScriptFraming ActualFraming => Http10 && Framing == Http1ScriptFraming.Chunked ? Http1ScriptFraming.ContentLength : Framing;

    public byte[] Format()
    {
        var text = new StringBuilder();
        for (int i = 0; i < Interim; i++)
        {
            text.Append(i % 2 == 0 ? "HTTP/1.1 100 Continue\r\n\r\n" : "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n");
        }

        text.Append(Http10 ? "HTTP/1.0 " : "HTTP/1.1 ").Append(Status.ToString(CultureInfo.InvariantCulture)).Append(" Reason Phrase\r\n");
        foreach ((string name, string value) in Headers)
        {
            text.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        AppendIf(text, "Content-Type", ContentType);
        AppendIf(text, "mcp-session-id", SessionId);
        AppendIf(text, "Retry-After", RetryAfter);
        AppendIf(text, "Connection", Connection);
        string body = NoBody ? "" : Body;
        switch (ActualFraming)
        {
            case Http1ScriptFraming.ContentLength:
                text.Append("Content-Length: ").Append(body.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n\r\n");
                if (!NoBody)
                {
                    text.Append(body);
                }

                text.Append(Trailing);
                break;
            case Http1ScriptFraming.Chunked:
                text.Append("Transfer-Encoding: chunked\r\n\r\n");
                if (!NoBody)
                {
                    int at = 0;
                    foreach (Http1ScriptChunk chunk in Chunks)
                    {
                        int length = Math.Min(chunk.Length, body.Length - at);
                        if (length == 0)
                        {
                            continue;
                        }

                        AppendSize(text, length, chunk);
                        text.Append(body, at, length).Append("\r\n");
                        at += length;
                    }

                    if (at < body.Length)
                    {
                        text.Append((body.Length - at).ToString("x", CultureInfo.InvariantCulture)).Append("\r\n").Append(body, at, body.Length - at).Append("\r\n");
                    }

                    text.Append('0', 1 + (Chunks.Count % 3)).Append("\r\n");
                    foreach (string trailer in Trailers)
                    {
                        text.Append(trailer).Append("\r\n");
                    }

                    text.Append("\r\n");
                }

                text.Append(Trailing);
                break;
            default:
                text.Append("\r\n");
                if (!NoBody)
                {
                    text.Append(body);
                }

                break;
        }

        return Encoding.Latin1.GetBytes(text.ToString());
    }

    public Http1Outcome Expected()
    {
        Http1ScriptFraming framing = ActualFraming;
        string framingName = NoBody ? "None" : framing.ToString();
        bool close = Connection == "close";
        bool keepAlive = framingName != "CloseDelimited" && !close && (!Http10 || Connection == "keep-alive");
        int trailing = framing == Http1ScriptFraming.CloseDelimited ? 0 : Trailing.Length;
        long length = framing == Http1ScriptFraming.ContentLength ? (NoBody ? 0 : Body.Length) : -1;
        string? type = ContentType is null ? null : ContentType.Split(';')[0].Trim() switch
        {
            var t when t.Equals("application/json", StringComparison.OrdinalIgnoreCase) => "application/json",
            var t when t.Equals("text/event-stream", StringComparison.OrdinalIgnoreCase) => "text/event-stream",
            var t => t,
        };
        return new Http1Outcome(Status, Http10, framingName, length, keepAlive, type, SessionId, RetryAfter, null,
            NoBody ? "" : Body, trailing, null);
    }

    private static void AppendIf(StringBuilder text, string name, string? value)
    {
        if (value is not null)
        {
            text.Append(name).Append(":\t").Append(value).Append(" \r\n");
        }
    }

    private static void AppendSize(StringBuilder text, int length, Http1ScriptChunk chunk)
    {
        string hex = length.ToString(chunk.Upper ? "X" : "x", CultureInfo.InvariantCulture);
        text.Append('0', chunk.LeadingZeros).Append(hex);
        if (chunk.Extension is not null)
        {
            text.Append(chunk.Extension);
        }

        text.Append("\r\n");
    }
}

/// <summary>FsCheck generators for <see cref="Http1Script"/>.</summary>
public static class Http1ScriptArbitrary
{
    private static readonly string[] Names = ["X-A", "Server", "Date", "cache-control", "Vary", "X-Request-Id", "Set-Cookie", "!#$%&'*+-.^_`|~09"];
    private static readonly string[] Values = ["", "a", "text/html", "a, b, c", "v\tw", "\u00e9\u00ff", "\"quoted\"", "x=1; y=2", "Mon, 01 Jan 2024 00:00:00 GMT"];
    private static readonly string[] Types = ["application/json", "Application/JSON; charset=utf-8", "text/event-stream", "text/plain", "application/problem+json;a=b"];
    private static readonly string[] Extensions = [";a", ";a=b", " ; name=\"q v\"", "\t;x", ";a=b;c=d"];
    private static readonly string[] Trailers = ["X-Checksum: 1", "Server-Timing: a;dur=1", "X-Empty:"];

    public static Arbitrary<Http1Script> Script()
    {
        Gen<string> body = Gen.Choose(0, 300).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, 255).Select(i => (char)i), n)).Select(c => new string(c));
        Gen<Http1ScriptChunk> chunk =
            from length in Gen.Choose(1, 80)
            from zeros in Gen.Frequency((4, Gen.Constant(0)), (1, Gen.Choose(1, 5)))
            from upper in Gen.Elements(true, false)
            from extension in Gen.Frequency((3, Gen.Constant<string?>(null)), (1, Gen.Elements(Extensions).Select(e => (string?)e)))
            select new Http1ScriptChunk(length, zeros, upper, extension);
        Gen<(string, string)> header = from n in Gen.Elements(Names) from v in Gen.Elements(Values) select (n, v);
        Gen<Http1Script> script =
            from interim in Gen.Frequency((4, Gen.Constant(0)), (1, Gen.Choose(1, 3)))
            from http10 in Gen.Frequency((4, Gen.Constant(false)), (1, Gen.Constant(true)))
            from status in Gen.Elements(200, 200, 201, 202, 204, 304, 400, 404, 429, 500, 503)
            from headers in Gen.Choose(0, 6).SelectMany(n => Gen.ListOf(header, n))
            from type in Gen.OrNull(Gen.Elements(Types))
            from session in Gen.OrNull(Gen.Elements("abc", "0f6c2e4a-9b1d-4c8e-a1f3-3b2d5e7f9a01"))
            from retry in Gen.OrNull(Gen.Elements("5", "Wed, 21 Oct 2015 07:28:00 GMT"))
            from connection in Gen.OrNull(Gen.Elements("close", "keep-alive", "upgrade"))
            from framing in Gen.Elements(Enum.GetValues<Http1ScriptFraming>())
            from content in body
            from chunks in Gen.Choose(0, 6).SelectMany(n => Gen.ListOf(chunk, n))
            from trailers in Gen.Choose(0, 2).SelectMany(n => Gen.ListOf(Gen.Elements(Trailers), n))
            from trailing in Gen.Elements("", "", "", "H", "HTTP/1.1 200 OK\r\n")
            from cuts in Gen.Choose(0, 30).SelectMany(n => Gen.ListOf(Gen.Choose(0, int.MaxValue), n))
            select new Http1Script(interim, http10, status, headers, type, session, retry, connection, framing, content,
                chunks, trailers, trailing, cuts);
        return Arb.From(script);
    }
}
