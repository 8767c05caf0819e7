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

    /// <summary>Reads one page of tools/list into <paramref name="tools"/>; returns the next cursor or null.</summary>
    /// <exception cref="TransportFailure">The page is not a tools list.</exception>
    public static string? ReadToolsPage(ReadOnlyMemory<byte> result, List<McpToolInfo> tools)
    {
        var page = Operations.McpResultParsers.ToolsPage(result);
        tools.AddRange(page.Items);
        return page.NextCursor;
    }
}
