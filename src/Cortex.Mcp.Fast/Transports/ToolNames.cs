using System.Buffers;

namespace Cortex.Mcp.Fast.Transports;

/// <summary>Validation of tool names and resource paths before any I/O (DESIGN §6).</summary>
internal static class ToolNames
{
    /// <summary>The longest tool name accepted (MCP: 1–128 characters).</summary>
    public const int MaxLength = 128;

    private static readonly SearchValues<char> s_allowed =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-");

    /// <summary>Returns null when <paramref name="tool"/> is a valid name, else the reason it is not.</summary>
    public static string? Validate(string? tool)
    {
        if (string.IsNullOrEmpty(tool))
        {
            return "a tool name must not be empty.";
        }

        if (tool.Length > MaxLength)
        {
            return $"a tool name must be at most {MaxLength} characters.";
        }

        if (tool.AsSpan().ContainsAnyExcept(s_allowed))
        {
            return "a tool name may contain only A-Z, a-z, 0-9, '_', '.' and '-'.";
        }

        // Spec-legal in MCP, but '.' and '..' would climb the URL path of the REST protocol.
        return tool is "." or ".." ? "'.' and '..' are not accepted as tool names." : null;
    }

    /// <summary>
    /// Escapes a resource path segment by segment. Returns null (with a reason) when a segment is empty, '.', '..',
    /// or contains control characters, so the final path cannot leave the endpoint's base path.
    /// </summary>
    public static string? EscapeResourcePath(string? path, out string? reason)
    {
        reason = null;
        if (string.IsNullOrEmpty(path))
        {
            reason = "a resource path must not be empty.";
            return null;
        }

        if (path.Length > 2048)
        {
            reason = "a resource path must be at most 2048 characters.";
            return null;
        }

        var builder = new System.Text.StringBuilder(path.Length + 16);
        foreach (var range in path.AsSpan().Split('/'))
        {
            var segment = path.AsSpan(range);
            if (segment.IsEmpty || segment is "." or "..")
            {
                reason = "a resource path must not contain empty, '.' or '..' segments.";
                return null;
            }

            foreach (var c in segment)
            {
                if (char.IsControl(c))
                {
                    reason = "a resource path must not contain control characters.";
                    return null;
                }
            }

            if (builder.Length > 0)
            {
                builder.Append('/');
            }

            // Escaping '%' too means "%2e%2e" stays literal text, never a '..' segment on the server.
            builder.Append(Uri.EscapeDataString(segment.ToString()));
        }

        return builder.ToString();
    }
}
