using System.Text.Json;
using Cortex.Mcp.Fast.Errors;

namespace Cortex.Mcp.Fast.Transports.StreamableHttp;

/// <summary>Reads the results of <c>tools/list</c> and <c>resources/read</c>.</summary>
internal static class McpResultReader
{
    /// <summary>
    /// Yields each item of a resources/read result in <paramref name="buffer"/> (pooled; returned to the pool when the
    /// enumeration ends): an item that is not valid JSON goes to <paramref name="onInvalidItem"/> and is skipped.
    /// </summary>
    public static IEnumerable<T> ReadContents<T>(byte[] buffer, int length, Utf8ItemReader<T> readItem, Action<Exception> onInvalidItem)
    {
        try
        {
            foreach (var (start, count) in FindContents(buffer.AsSpan(0, length)))
            {
                T item;
                try
                {
                    item = readItem(buffer.AsSpan(start, count));
                }
                catch (JsonException ex)
                {
                    onInvalidItem(ex);
                    continue;
                }

                yield return item;
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Start and length of every element of <c>result.contents</c>.</summary>
    /// <exception cref="TransportFailure">The result is not a contents list.</exception>
    public static List<(int Start, int Length)> FindContents(ReadOnlySpan<byte> result)
    {
        var ranges = new List<(int, int)>();
        try
        {
            var reader = new Utf8JsonReader(result, new JsonReaderOptions { MaxDepth = JsonRpcMessageReader.MaxDepth });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new JsonException("The result is not an object.");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isContents = reader.ValueTextEquals("contents"u8);
                reader.Read();
                if (!isContents || reader.TokenType != JsonTokenType.StartArray)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    ranges.Add((start, (int)reader.BytesConsumed - start));
                }
            }
        }
        catch (JsonException ex)
        {
            throw TransportFailure.Protocol("the server answered resources/read with a result that is not a contents list.", ex, 200);
        }

        return ranges;
    }

    /// <summary>How many tools/list pages one listing follows at most (a hostile server cannot make us loop).</summary>
    public const int MaxToolPages = 100;

    /// <summary>
    /// Lists every tool, page by page: <paramref name="fetchPage"/> runs tools/list for a cursor (null first) on
    /// either transport and returns its pooled result, which goes back to the pool here.
    /// </summary>
    /// <exception cref="TransportFailure">A page is not a tools list.</exception>
    public static async ValueTask<IReadOnlyList<McpToolInfo>> ReadAllToolsAsync<TState>(
        TState state, Func<TState, string?, CancellationToken, ValueTask<(byte[] Buffer, int Length)>> fetchPage, CancellationToken cancellationToken)
    {
        var tools = new List<McpToolInfo>();
        string? cursor = null;
        for (var page = 0; page < MaxToolPages; page++)
        {
            var (buffer, length) = await fetchPage(state, cursor, cancellationToken).ConfigureAwait(false);
            try
            {
                cursor = ReadToolsPage(buffer.AsMemory(0, length), tools);
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            }

            if (cursor is null)
            {
                break;
            }
        }

        return tools.AsReadOnly();
    }

    /// <summary>Parses a pooled result and returns its buffer to the pool, whether the parser succeeds or throws.</summary>
    public static T ParseAndReturn<T>(byte[] buffer, int length, Operations.McpResultParser<T> parse)
    {
        try
        {
            return parse(buffer.AsMemory(0, length));
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads one page of tools/list into <paramref name="tools"/>; returns the next cursor or null.</summary>
    /// <exception cref="TransportFailure">The page is not a tools list.</exception>
    public static string? ReadToolsPage(ReadOnlyMemory<byte> result, List<McpToolInfo> tools)
    {
        var page = Operations.McpResultParsers.ToolsPage(result);
        tools.AddRange(page.Items);
        return page.NextCursor;
    }
}
