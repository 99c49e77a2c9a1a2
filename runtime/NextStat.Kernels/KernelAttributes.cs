namespace NextStat.Kernels;

/// <summary>
/// Declares a map kernel: the generator writes the body of the attributed <c>static partial void</c> method so that
/// <c>result[i] = element(a[i], b[i], …, s1, s2)</c>. The first parameter is the output <see cref="Span{T}"/> (an
/// element method returning a tuple of k values writes the first k parameters, all <see cref="Span{T}"/>); the other
/// span parameters are read per element and plain scalar parameters are broadcast.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class MapKernelAttribute(string elementMethod) : Attribute
{
    /// <summary>Name of the scalar element method in the same type (use <c>nameof</c>).</summary>
    public string ElementMethod { get; } = elementMethod;
}

/// <summary>
/// Declares an in-place update kernel: <c>x[i] = element(x[i], a[i], …, s1, …)</c>. The first parameter is the
/// <see cref="Span{T}"/> that is read and written; it is the element method's first argument.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class UpdateKernelAttribute(string elementMethod) : Attribute
{
    /// <summary>Name of the scalar element method in the same type (use <c>nameof</c>).</summary>
    public string ElementMethod { get; } = elementMethod;
}

/// <summary>
/// Declares a sum reduction: <c>Σ_i element(a[i], …)</c>. An element method that returns a tuple of doubles makes a
/// multi-sum kernel that returns every sum of one pass (for example a value and its derivative sums).
/// The sum is bitwise identical for any thread count and any kernel width.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class SumKernelAttribute(string elementMethod) : Attribute
{
    /// <summary>Name of the scalar element method in the same type (use <c>nameof</c>).</summary>
    public string ElementMethod { get; } = elementMethod;
}

/// <summary>
/// Marks a static scalar helper method that element methods may call; the generator inlines its body into
/// every width of the kernel.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class KernelFunctionAttribute : Attribute;
