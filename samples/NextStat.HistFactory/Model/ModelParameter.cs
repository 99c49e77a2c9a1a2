namespace NextStat.HistFactory;

/// <summary>The constraint term a parameter contributes to the likelihood.</summary>
public enum ConstraintKind
{
    /// <summary>Free: no constraint term (normfactor, shapefactor).</summary>
    None = 0,

    /// <summary>Gaussian N(aux | θ, σ) (lumi, normsys, histosys, staterror).</summary>
    Gaussian = 1,

    /// <summary>Poisson Pois(aux | γ·τ) with the continuous ln Γ normalisation (shapesys).</summary>
    Poisson = 2,
}

/// <summary>One model parameter (one component of a parameter set), in pyhf's order.</summary>
/// <param name="Index">Position in the parameter vector.</param>
/// <param name="Name">pyhf's name: the set name, or <c>set[i]</c> for per-bin parameters.</param>
/// <param name="SetName">The parameter set (modifier) name.</param>
/// <param name="Component">The bin component within the set (0 for scalar parameters).</param>
/// <param name="ModifierTypes">The modifier types that use the parameter (e.g. normsys and histosys).</param>
/// <param name="Init">Initial value.</param>
/// <param name="Lower">Lower bound.</param>
/// <param name="Upper">Upper bound.</param>
/// <param name="IsFixed">Held constant in fits.</param>
/// <param name="Constraint">The constraint kind.</param>
/// <param name="AuxIndex">Index of the parameter's auxiliary datum in the aux data, or −1 when unconstrained.</param>
/// <param name="Sigma">Gaussian width (NaN unless Gaussian).</param>
/// <param name="Tau">Poisson scale τ (NaN unless Poisson).</param>
public sealed record ModelParameter(
    int Index,
    string Name,
    string SetName,
    int Component,
    IReadOnlyList<string> ModifierTypes,
    double Init,
    double Lower,
    double Upper,
    bool IsFixed,
    ConstraintKind Constraint,
    int AuxIndex,
    double Sigma,
    double Tau)
{
    /// <summary>Whether a constraint term pulls the parameter towards its auxiliary datum.</summary>
    public bool IsConstrained => Constraint != ConstraintKind.None;

    /// <summary>pyhf's <c>width()</c>: σ for Gaussian constraints, 1/√τ for Poisson ones, NaN for free parameters.</summary>
    public double PrefitWidth => Constraint switch
    {
        ConstraintKind.Gaussian => Sigma,
        ConstraintKind.Poisson => 1.0 / Math.Sqrt(Tau),
        _ => double.NaN,
    };
}

/// <summary>One auxiliary datum, in pyhf's aux-data order.</summary>
/// <param name="ParameterIndex">The constrained parameter.</param>
/// <param name="Constraint">Gaussian (toys draw N(θ, σ)) or Poisson (toys draw Pois(γ·τ)).</param>
/// <param name="Sigma">Gaussian width (NaN for Poisson).</param>
/// <param name="Tau">Poisson scale τ (NaN for Gaussian).</param>
public readonly record struct AuxEntry(int ParameterIndex, ConstraintKind Constraint, double Sigma, double Tau);
