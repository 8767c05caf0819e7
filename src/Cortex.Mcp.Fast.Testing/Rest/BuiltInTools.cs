using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Cortex.Mcp.Fast.Testing.Internal;
using Microsoft.AspNetCore.Http;

namespace Cortex.Mcp.Fast.Testing.Rest;

/// <summary>
/// The tools: <c>echo</c>, <c>add</c>, <c>sleep</c>, <c>fail</c>, <c>flaky</c>, <c>count</c>. Each gets the whole
/// request body; a body that is not one JSON object gets <c>400</c>.
/// </summary>
internal sealed class BuiltInTools(TestFaults faults, TestServiceCounters counters, CancellationToken stopping)
{
    /// <summary>The longest <c>sleep</c> accepted, so a typo cannot pin a request for hours.</summary>
    private const int MaxSleepMilliseconds = 10 * 60 * 1000;

    private static readonly JsonDocumentOptions s_documentOptions = new() { MaxDepth = 64 };
    private static readonly JsonReaderOptions s_readerOptions = new() { MaxDepth = 64 };

    private readonly ConcurrentDictionary<string, int> _flakyAttempts = new(StringComparer.Ordinal);

    public static ToolKind Classify(ReadOnlySpan<char> tool) => tool switch
    {
        "echo" => ToolKind.Echo,
        "add" => ToolKind.Add,
        "sleep" => ToolKind.Sleep,
        "fail" => ToolKind.Fail,
        "flaky" => ToolKind.Flaky,
        "count" => ToolKind.Count,
        _ => ToolKind.Unknown,
    };

    public Task RunAsync(HttpContext context, ToolKind kind, ReadOnlySequence<byte> body)
    {
        if (kind == ToolKind.Echo)
        {
            Echo(context.Response, body);
            return Task.CompletedTask;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, s_documentOptions);
        }
        catch (JsonException)
        {
            Responses.WriteDetail(context.Response, StatusCodes.Status400BadRequest, "Invalid JSON body");
            return Task.CompletedTask;
        }

        using (document)
        {
            var args = document.RootElement;
            if (args.ValueKind != JsonValueKind.Object)
            {
                Responses.WriteDetail(context.Response, StatusCodes.Status400BadRequest, "The arguments must be a JSON object");
                return Task.CompletedTask;
            }

            switch (kind)
            {
                case ToolKind.Add:
                    Add(context.Response, args);
                    return Task.CompletedTask;
                case ToolKind.Sleep:
                    if (!TryGetInt(args, "ms", 0, out var ms) || ms is < 0 or > MaxSleepMilliseconds)
                    {
                        Responses.WriteDetail(context.Response, StatusCodes.Status400BadRequest,
                            $"'ms' must be an integer from 0 to {MaxSleepMilliseconds}");
                        return Task.CompletedTask;
                    }

                    return SleepAsync(context, ms);
                case ToolKind.Fail:
                    Fail(context.Response, args);
                    return Task.CompletedTask;
                case ToolKind.Flaky:
                    Flaky(context.Response, args);
                    return Task.CompletedTask;
                default:
                    Count(context.Response);
                    return Task.CompletedTask;
            }
        }
    }

    /// <summary><c>{"echo": &lt;the arguments, byte for byte&gt;}</c>; the body is only validated, never parsed
    /// into objects.</summary>
    private static void Echo(HttpResponse response, ReadOnlySequence<byte> body)
    {
        if (!IsSingleJsonObject(body))
        {
            Responses.WriteDetail(response, StatusCodes.Status400BadRequest, "The body must be one JSON object");
            return;
        }

        ReadOnlySpan<byte> prefix = "{\"echo\":"u8;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = Responses.JsonContentType;
        response.ContentLength = prefix.Length + body.Length + 1;
        var writer = response.BodyWriter;
        writer.Write(prefix);
        foreach (var segment in body)
        {
            writer.Write(segment.Span);
        }

        writer.Write("}"u8);
    }

    private static bool IsSingleJsonObject(ReadOnlySequence<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body, s_readerOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            reader.Skip();
            return !reader.Read(); // trailing data other than whitespace throws or reads a token
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary><c>{"a":1,"b":2}</c> → <c>{"result":3}</c>; integers stay integers, anything else is a double.</summary>
    private static void Add(HttpResponse response, JsonElement args)
    {
        if (!args.TryGetProperty("a", out var a) || a.ValueKind != JsonValueKind.Number
            || !args.TryGetProperty("b", out var b) || b.ValueKind != JsonValueKind.Number)
        {
            Responses.WriteDetail(response, StatusCodes.Status400BadRequest, "'a' and 'b' must be numbers");
            return;
        }

        if (a.TryGetInt64(out var la) && b.TryGetInt64(out var lb) && !AddOverflows(la, lb))
        {
            Responses.WriteJson(response, StatusCodes.Status200OK, la + lb, static (w, sum) =>
            {
                w.WriteStartObject();
                w.WriteNumber("result"u8, sum);
                w.WriteEndObject();
            });
            return;
        }

        var result = a.GetDouble() + b.GetDouble();
        if (!double.IsFinite(result))
        {
            Responses.WriteDetail(response, StatusCodes.Status400BadRequest, "The sum is not a finite number");
            return;
        }

        Responses.WriteJson(response, StatusCodes.Status200OK, result, static (w, sum) =>
        {
            w.WriteStartObject();
            w.WriteNumber("result"u8, sum);
            w.WriteEndObject();
        });
    }

    private static bool AddOverflows(long a, long b) => (b > 0 && a > long.MaxValue - b) || (b < 0 && a < long.MinValue - b);

    /// <summary>Waits <paramref name="ms"/> then answers <c>{"slept": ms}</c>; a client abort ends the wait.</summary>
    private async Task SleepAsync(HttpContext context, int ms)
    {
        if (ms > 0 && !await RequestDelay.DelayOrAbortAsync(context, TimeSpan.FromMilliseconds(ms), stopping).ConfigureAwait(false))
        {
            return;
        }

        Responses.WriteJson(context.Response, StatusCodes.Status200OK, ms, static (w, slept) =>
        {
            w.WriteStartObject();
            w.WriteNumber("slept"u8, slept);
            w.WriteEndObject();
        });
    }

    /// <summary><c>{"status": 503, "retryAfter": "1", "detail": "...", "form": "json|message|text|html|empty"}</c>
    /// → that error.</summary>
    private void Fail(HttpResponse response, JsonElement args)
    {
        if (!TryGetInt(args, "status", 500, out var status) || status is < 100 or > 999)
        {
            Responses.WriteDetail(response, StatusCodes.Status400BadRequest, "'status' must be an HTTP status");
            return;
        }

        var detail = args.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String
            ? d.GetString()!
            : $"Requested failure ({status})";
        if (!TryGetForm(args, out var form))
        {
            Responses.WriteDetail(response, StatusCodes.Status400BadRequest, "'form' must be json, message, text, html or empty");
            return;
        }

        Responses.WriteError(response, status, detail, form, GetRetryAfter(args));
    }

    /// <summary><c>{"failures": N, "status": 503, "key": "k", "retryAfter": "1"}</c>: the first N calls for a key
    /// fail, later ones answer <c>{"attempt": n, "key": "k"}</c>.</summary>
    private void Flaky(HttpResponse response, JsonElement args)
    {
        if (!TryGetInt(args, "failures", 1, out var failures) || failures < 0
            || !TryGetInt(args, "status", 503, out var status) || status is < 100 or > 999)
        {
            Responses.WriteDetail(response, StatusCodes.Status400BadRequest,
                "'failures' must be a non-negative integer and 'status' an HTTP status");
            return;
        }

        var key = args.TryGetProperty("key", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString()! : "default";
        var attempt = _flakyAttempts.AddOrUpdate(key, 1, static (_, n) => n + 1);
        if (attempt <= failures)
        {
            Responses.WriteError(response, status, $"Flaky failure {attempt} of {failures} for '{key}'",
                faults.ErrorBodyForm, GetRetryAfter(args));
            return;
        }

        Responses.WriteJson(response, StatusCodes.Status200OK, (attempt, key), static (w, s) =>
        {
            w.WriteStartObject();
            w.WriteNumber("attempt"u8, s.attempt);
            w.WriteString("key"u8, s.key);
            w.WriteEndObject();
        });
    }

    /// <summary><c>{"total": n, "tools": {"echo": 3, ...}}</c>: requests received per tool so far.</summary>
    private void Count(HttpResponse response)
    {
        var snapshot = counters.ToolRequestsSnapshot();
        Responses.WriteJson(response, StatusCodes.Status200OK, (counters.TotalToolRequests, snapshot), static (w, s) =>
        {
            w.WriteStartObject();
            w.WriteNumber("total"u8, s.TotalToolRequests);
            w.WriteStartObject("tools"u8);
            foreach (var (tool, count) in s.snapshot.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                w.WriteNumber(tool, count);
            }

            w.WriteEndObject();
            w.WriteEndObject();
        });
    }

    private static bool TryGetInt(JsonElement args, string name, int fallback, out int value)
    {
        if (!args.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            value = fallback;
            return true;
        }

        value = 0;
        return element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out value);
    }

    private static string? GetRetryAfter(JsonElement args)
    {
        if (!args.TryGetProperty("retryAfter", out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.TryGetInt64(out var seconds)
                ? seconds.ToString(CultureInfo.InvariantCulture)
                : value.GetRawText(),
            _ => null,
        };
    }

    private bool TryGetForm(JsonElement args, out ErrorBodyForm form)
    {
        form = faults.ErrorBodyForm;
        if (!args.TryGetProperty("form", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        ErrorBodyForm? named = value.GetString() switch
        {
            "json" or "detail" => ErrorBodyForm.JsonDetail,
            "message" => ErrorBodyForm.JsonMessage,
            "text" => ErrorBodyForm.PlainText,
            "html" => ErrorBodyForm.Html,
            "empty" => ErrorBodyForm.Empty,
            _ => null,
        };
        form = named ?? form;
        return named is not null;
    }
}
