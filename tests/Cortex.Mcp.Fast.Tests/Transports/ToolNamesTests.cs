using Cortex.Mcp.Fast.Transports;
using FsCheck;
using FsCheck.Xunit;

namespace Cortex.Mcp.Fast.Tests.Transports;

/// <summary>Tool names and resource paths are checked before any I/O (DESIGN §6).</summary>
public class ToolNamesTests
{
    private const string Allowed = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-";
    private const string BadCharacters = "a tool name may contain only A-Z, a-z, 0-9, '_', '.' and '-'.";
    private const string BadSegment = "a resource path must not contain empty, '.' or '..' segments.";
    private const string ControlCharacter = "a resource path must not contain control characters.";

    // ---- Validate -------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("echo")]
    [InlineData("a")]
    [InlineData("get_weather")]
    [InlineData("Tool-Name.v2")]
    [InlineData("0")]
    [InlineData("_")]
    [InlineData("-")]
    [InlineData("...")]
    [InlineData(".hidden")]
    [InlineData("a..b")]
    [InlineData(Allowed)]
    public void Validate_AllowedName_IsNull(string tool)
    {
        Assert.Null(ToolNames.Validate(tool));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Validate_NullOrEmpty_SaysEmpty(string? tool)
    {
        Assert.Equal("a tool name must not be empty.", ToolNames.Validate(tool));
    }

    [Fact]
    public void Validate_MaxLength_IsAcceptedAndOneMoreIsNot()
    {
        Assert.Equal(128, ToolNames.MaxLength);
        Assert.Null(ToolNames.Validate(new string('a', ToolNames.MaxLength)));
        Assert.Equal("a tool name must be at most 128 characters.", ToolNames.Validate(new string('a', ToolNames.MaxLength + 1)));
    }

    [Fact]
    public void Validate_TooLongWithBadCharacters_ReportsTheLengthFirst()
    {
        Assert.Equal("a tool name must be at most 128 characters.", ToolNames.Validate(new string(' ', 200)));
    }

    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    public void Validate_DotOrDotDot_IsRejected(string tool)
    {
        // Spec-legal in MCP, but a REST URL path would climb with them.
        Assert.Equal("'.' and '..' are not accepted as tool names.", ToolNames.Validate(tool));
    }

    [Theory]
    [InlineData("get weather")]
    [InlineData("a/b")]
    [InlineData("../admin")]
    [InlineData("a\\b")]
    [InlineData("a%2fb")]
    [InlineData("a?b")]
    [InlineData("a#b")]
    [InlineData("a:b")]
    [InlineData("a+b")]
    [InlineData("caf\u00e9")]
    [InlineData("\u0430pple")] // Cyrillic 'а', a look-alike of 'a'
    [InlineData("a\nb")]
    [InlineData("a\0")]
    [InlineData("\t")]
    [InlineData("emoji\U0001F600")]
    public void Validate_CharacterOutsideTheSet_IsRejected(string tool)
    {
        Assert.Equal(BadCharacters, ToolNames.Validate(tool));
    }

    [Property]
    public bool Validate_AnyNameFromTheAllowedSet_IsAccepted(NonEmptyString seed)
    {
        var chars = seed.Get.Select(c => Allowed[c % Allowed.Length]).Take(ToolNames.MaxLength).ToArray();
        var tool = new string(chars);
        return tool is "." or ".." ? ToolNames.Validate(tool) is not null : ToolNames.Validate(tool) is null;
    }

    [Property]
    public bool Validate_AnyNameWithACharacterOutsideTheSet_IsRejected(NonEmptyString seed, char bad, int position)
    {
        if (Allowed.Contains(bad, StringComparison.Ordinal))
        {
            return true;
        }

        var tool = seed.Get.Length >= ToolNames.MaxLength ? seed.Get[..(ToolNames.MaxLength - 1)] : seed.Get;
        tool = tool.Insert((int)((uint)position % (uint)(tool.Length + 1)), bad.ToString());
        return ToolNames.Validate(tool) is not null;
    }

    // ---- EscapeResourcePath ---------------------------------------------------------------------------------

    [Theory]
    [InlineData("readme", "readme")]
    [InlineData("docs/readme.md", "docs/readme.md")]
    [InlineData("a/b/c", "a/b/c")]
    [InlineData("...", "...")]
    [InlineData(".hidden/x..y", ".hidden/x..y")]
    [InlineData("a b", "a%20b")]
    [InlineData("a?b#c", "a%3Fb%23c")]
    [InlineData("caf\u00e9", "caf%C3%A9")]
    [InlineData("50%", "50%25")]
    [InlineData("a\\..\\b", "a%5C..%5Cb")] // a backslash is not a separator: one literal segment
    [InlineData("x:y;z=1&w", "x%3Ay%3Bz%3D1%26w")]
    public void EscapeResourcePath_Segments_AreEscapedOneByOneAndJoinedWithSlash(string path, string expected)
    {
        Assert.Equal(expected, ToolNames.EscapeResourcePath(path, out var reason));
        Assert.Null(reason);
    }

    [Theory]
    [InlineData("%2e%2e", "%252e%252e")]
    [InlineData("a/%2E%2E/b", "a/%252E%252E/b")]
    [InlineData("%2f", "%252f")]
    public void EscapeResourcePath_PercentEncodedDots_StayLiteralText(string path, string expected)
    {
        // Escaping '%' too means the server can never decode these into '..' or '/'.
        Assert.Equal(expected, ToolNames.EscapeResourcePath(path, out var reason));
        Assert.Null(reason);
    }

    [Theory]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("../secret")]
    [InlineData("a/../b")]
    [InlineData("a/./b")]
    [InlineData("a/..")]
    [InlineData("./a")]
    public void EscapeResourcePath_DotSegments_AreRejected(string path)
    {
        Assert.Null(ToolNames.EscapeResourcePath(path, out var reason));
        Assert.Equal(BadSegment, reason);
    }

    [Theory]
    [InlineData("/a")]
    [InlineData("a/")]
    [InlineData("a//b")]
    [InlineData("/")]
    [InlineData("//")]
    public void EscapeResourcePath_EmptySegments_AreRejected(string path)
    {
        Assert.Null(ToolNames.EscapeResourcePath(path, out var reason));
        Assert.Equal(BadSegment, reason);
    }

    [Theory]
    [InlineData("a\nb")]
    [InlineData("a\rb")]
    [InlineData("a\0")]
    [InlineData("ok/\t")]
    [InlineData("a\u007f")] // DEL
    [InlineData("a\u0085")] // NEL, a C1 control
    public void EscapeResourcePath_ControlCharacters_AreRejected(string path)
    {
        Assert.Null(ToolNames.EscapeResourcePath(path, out var reason));
        Assert.Equal(ControlCharacter, reason);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void EscapeResourcePath_NullOrEmpty_IsRejected(string? path)
    {
        Assert.Null(ToolNames.EscapeResourcePath(path, out var reason));
        Assert.Equal("a resource path must not be empty.", reason);
    }

    [Fact]
    public void EscapeResourcePath_2048Characters_IsAcceptedAndOneMoreIsNot()
    {
        var longest = new string('a', 2048);

        Assert.Equal(longest, ToolNames.EscapeResourcePath(longest, out var reason));
        Assert.Null(reason);
        Assert.Null(ToolNames.EscapeResourcePath(longest + "a", out reason));
        Assert.Equal("a resource path must be at most 2048 characters.", reason);
    }

    [Fact]
    public void EscapeResourcePath_LimitAppliesBeforeEscaping()
    {
        // 2048 input characters may grow past 2048 once escaped; the limit is on what the caller passed.
        var path = new string(' ', 2048);

        var escaped = ToolNames.EscapeResourcePath(path, out var reason);

        Assert.Null(reason);
        Assert.Equal(3 * 2048, escaped!.Length);
    }

    [Fact]
    public void EscapeResourcePath_FirstProblemWins_AndTheReasonIsResetOnSuccess()
    {
        Assert.Null(ToolNames.EscapeResourcePath("a\n/../b", out var reason));
        Assert.Equal(ControlCharacter, reason); // the first segment fails first

        Assert.Equal("ok", ToolNames.EscapeResourcePath("ok", out reason));
        Assert.Null(reason);
    }

    /// <summary>Any path of non-empty, non-dot segments without control characters survives escaping: same number
    /// of segments, each unescaping to the original, none of them a dot segment, all of them ASCII.</summary>
    [Property]
    public bool EscapeResourcePath_AnyValidSegments_RoundTripSegmentBySegment(NonEmptyArray<NonEmptyString> parts)
    {
        var segments = parts.Get
            .Select(p => new string(p.Get.Where(c => c != '/' && !char.IsControl(c) && !char.IsSurrogate(c)).ToArray()))
            .Where(s => s.Length > 0 && s is not ("." or ".."))
            .ToArray();
        var path = string.Join('/', segments);
        if (segments.Length == 0 || path.Length > 2048)
        {
            return true;
        }

        var escaped = ToolNames.EscapeResourcePath(path, out var reason);
        if (escaped is null || reason is not null)
        {
            return false;
        }

        var back = escaped.Split('/');
        return back.Length == segments.Length
            && back.Zip(segments).All(pair => Uri.UnescapeDataString(pair.First) == pair.Second)
            && back.All(s => s is not ("." or "..") && s.All(char.IsAscii)); // nothing left for a URL to reinterpret
    }
}
