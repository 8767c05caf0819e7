using System.Reflection;
using Cortex.Mcp.Fast.Resilience;

namespace Cortex.Mcp.Fast.Tests.Resilience;

/// <summary>DESIGN §2: Resilience references no System.Net.Http type; STYLE 18: the engine is internal.</summary>
public sealed class ResilienceDependencyTests
{
    [Fact]
    public void ResilienceTypes_Signatures_UseNoHttpTypes()
    {
        const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance
            | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var types = typeof(CircuitBreaker).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(CircuitBreaker).Namespace)
            .ToList();
        var referenced = new List<Type>();
        foreach (var type in types)
        {
            referenced.AddRange(type.GetFields(All).Select(f => f.FieldType));
            referenced.AddRange(type.GetProperties(All).Select(p => p.PropertyType));
            foreach (var method in type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All)))
            {
                referenced.AddRange(method.GetParameters().Select(p => p.ParameterType));
                if (method is MethodInfo info)
                {
                    referenced.Add(info.ReturnType);
                }
            }
        }

        Assert.NotEmpty(types);
        Assert.DoesNotContain(referenced, t => t.FullName?.StartsWith("System.Net.Http", StringComparison.Ordinal) == true);
    }

    [Fact]
    public void ResilienceNamespace_HasNoPublicType_OptionsAndStateLiveInTheRootNamespace()
    {
        var exported = typeof(CircuitBreaker).Assembly.GetExportedTypes();

        Assert.DoesNotContain(exported, t => t.Namespace == typeof(CircuitBreaker).Namespace);
        Assert.All(
            new[] { typeof(CircuitBreakerOptions), typeof(RetryOptions), typeof(RetryBudgetOptions), typeof(CircuitState), typeof(FailureKind) },
            t =>
            {
                Assert.True(t.IsPublic, t.Name);
                Assert.Equal("Cortex.Mcp.Fast", t.Namespace);
            });
    }
}
