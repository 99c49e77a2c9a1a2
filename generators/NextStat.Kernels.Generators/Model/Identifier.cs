using Microsoft.CodeAnalysis.CSharp;

namespace NextStat.Kernels.Generators.Model;

/// <summary>User names written into generated code: a parameter called <c>@in</c> must stay <c>@in</c>.</summary>
internal static class Identifier
{
    public static string Escape(string name) =>
        SyntaxFacts.GetKeywordKind(name) == SyntaxKind.None ? name : "@" + name;

    public static string Unescape(string name) => name.StartsWith("@", System.StringComparison.Ordinal) ? name.Substring(1) : name;
}
