using System.Text;
using System.Text.Json;
using Cortex.Mcp.Fast.AI;
using Microsoft.Extensions.AI;

namespace Cortex.Mcp.Fast.Tests.AI;

public class McpToolFunctionTests
{
    [Fact]
    public void WriteArguments_MixedValues_OneJsonObject()
    {
        var arguments = new AIFunctionArguments
        {
            ["a"] = 2,
            ["b"] = JsonDocument.Parse("""{"x":[1,2]}""").RootElement,
            ["c"] = null,
            ["d"] = "text",
        };

        var json = Encoding.UTF8.GetString(McpToolFunction.WriteArguments(arguments, AIJsonUtilities.DefaultOptions));

        Assert.Equal("""{"a":2,"b":{"x":[1,2]},"c":null,"d":"text"}""", json);
    }

    [Fact]
    public void WriteArguments_None_EmptyObject()
    {
        Assert.Equal("{}", Encoding.UTF8.GetString(McpToolFunction.WriteArguments(new AIFunctionArguments(), AIJsonUtilities.DefaultOptions)));
    }
}
