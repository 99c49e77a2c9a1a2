using NextStat.Kernels;
using NextStat.HistFactory.Modifiers;

namespace NextStat.HistFactory;

/// <summary>
/// Per-thread scratch and the evaluation sweeps over a <see cref="ModelLayout"/>. Nothing here allocates after
/// construction. Factors are accumulated as (product of non-zero factors, count of exact zeros) per entry so that the
/// gradient of a factor that is exactly zero (a normalisation at its bound 0) is still exact.
/// </summary>
internal sealed class ModelEvaluator
{
    private readonly ModelLayout _layout;
    private readonly KernelContext _context;
    private readonly double[] _shifted;
    private readonly double[] _product;
    private readonly double[] _zeros;
    private readonly double[] _yields;
    private readonly double[] _lambda;
    private readonly double[] _binWeight;
    private readonly double[] _entryWeight;
    private readonly double[] _logWeight;
    private readonly double[] _zeroWeight;
    private readonly double[] _shiftWeight;
    private readonly double[] _blockLogWeight;
    private readonly double[] _blockZeroWeight;
    private readonly double[] _histoDp;
    private readonly double[] _histoDq;
    private readonly double[] _normValue;
    private readonly double[] _normDerivative;
    private readonly double[] _blockProduct;
    private readonly double[] _gaussTheta;
    private readonly double[] _gaussDerivative;
    private readonly double[] _poissonGamma;
    private readonly double[] _poissonDerivative;

    public ModelEvaluator(ModelLayout layout, KernelContext context)
    {
        _layout = layout;
        _context = context;
        int entries = layout.EntryCount;
        _shifted = new double[entries];
        _product = new double[entries];
        _zeros = new double[entries];
        _yields = new double[entries];
        _entryWeight = new double[entries];
        _logWeight = new double[entries];
        _zeroWeight = new double[entries];
        _shiftWeight = new double[entries];
        _lambda = new double[layout.BinCount];
        _binWeight = new double[layout.BinCount];
        _blockLogWeight = new double[layout.BlockCount];
        _blockZeroWeight = new double[layout.BlockCount];
        _histoDp = new double[layout.HistoRowParam.Length];
        _histoDq = new double[layout.HistoRowParam.Length];
        _normValue = new double[layout.NormLnHi.Length];
        _normDerivative = new double[layout.NormLnHi.Length];
        _blockProduct = new double[layout.BlockCount];
        _gaussTheta = new double[layout.GaussParam.Length];
        _gaussDerivative = new double[layout.GaussParam.Length];
        _poissonGamma = new double[layout.PoissonParam.Length];
        _poissonDerivative = new double[layout.PoissonParam.Length];
    }

    public ModelLayout Layout => _layout;

    /// <summary>The expected main data per bin from the last <see cref="ComputeExpected"/>.</summary>
    public ReadOnlySpan<double> Lambda => _lambda;

    /// <summary>Expected main data per bin (pyhf's <c>expected_actualdata</c>) into <see cref="Lambda"/>.</summary>
    public void ComputeExpected(ReadOnlySpan<double> pars)
    {
        ModelLayout layout = _layout;
        if (pars.Length != layout.ParameterCount)
        {
            throw new ArgumentException($"expected {layout.ParameterCount} parameters, got {pars.Length}", nameof(pars));
        }

        // Additive stage: nominal + Σ histosys shifts, one row sweep per parameter.
        layout.Nominal.CopyTo(_shifted, 0);
        int[] histoParam = layout.HistoRowParam;
        for (int r = 0; r < histoParam.Length; r++)
        {
            HistoSysKernels.Coefficients(layout.HistoSysCode, pars[histoParam[r]], out double cp, out double cq, out _histoDp[r], out _histoDq[r]);
            int offset = layout.HistoRowOffset[r];
            int length = layout.HistoRowLength[r];
            HistoSysKernels.ApplyShift(_shifted.AsSpan(layout.HistoRowEntry[r], length), layout.HistoP.AsSpan(offset, length), layout.HistoQ.AsSpan(offset, length), cp, cq, _context);
        }

        // Multiplicative stage. normsys factors multiply per-block products (one row sweep per parameter; they are
        // never exactly zero for positive hi and lo), which then scale the entries of each block.
        Array.Fill(_product, 1.0);
        Array.Clear(_zeros);
        int[] normParam = layout.NormRowParam;
        if (normParam.Length > 0)
        {
            Array.Fill(_blockProduct, 1.0);
            double[][] a = layout.NormCoefficients;
            for (int r = 0; r < normParam.Length; r++)
            {
                int offset = layout.NormRowOffset[r];
                int length = layout.NormRowLength[r];
                Span<double> factor = _normValue.AsSpan(offset, length);
                Span<double> derivative = _normDerivative.AsSpan(offset, length);
                NormSysKernels.Factors(_context, layout.NormSysCode, pars[normParam[r]], factor, derivative, layout.NormLnHi.AsSpan(offset, length), layout.NormLnLo.AsSpan(offset, length),
                    a[0].AsSpan(offset, length), a[1].AsSpan(offset, length), a[2].AsSpan(offset, length),
                    a[3].AsSpan(offset, length), a[4].AsSpan(offset, length), a[5].AsSpan(offset, length));
                NormSysKernels.MultiplyInto(_blockProduct.AsSpan(layout.NormRowBlock[r], length), factor, _context);
            }

            for (int block = 0; block < _blockProduct.Length; block++)
            {
                MultiplyBlock(block, _blockProduct[block]);
            }
        }

        int[] factorBlock = layout.BlockFactorBlock;
        int[] factorParam = layout.BlockFactorParam;
        for (int j = 0; j < factorBlock.Length; j++)
        {
            MultiplyBlock(factorBlock[j], pars[factorParam[j]]);
        }

        int[] entryParam = layout.EntryFactorParam;
        int[] entryIndex = layout.EntryFactorEntry;
        for (int k = 0; k < entryParam.Length; k++)
        {
            double f = pars[entryParam[k]];
            int e = entryIndex[k];
            if (f == 0.0)
            {
                _zeros[e] += 1.0;
            }
            else
            {
                _product[e] *= f;
            }
        }

        LikelihoodKernels.Yields(_yields, _shifted, _product, _zeros, _context);

        // Samples of a bin are summed in sorted-sample order, as pyhf does.
        Array.Clear(_lambda);
        int[] binOf = layout.BinOfEntry;
        for (int e = 0; e < binOf.Length; e++)
        {
            _lambda[binOf[e]] += _yields[e];
        }
    }

    /// <summary>twice_nll for the data of <paramref name="objective"/>; fills <paramref name="gradient"/> when it is not empty.</summary>
    public double Evaluate(HistFactoryObjective objective, ReadOnlySpan<double> pars, Span<double> gradient)
    {
        ComputeExpected(pars);
        ModelLayout layout = _layout;
        double twiceNll = (2.0 * LikelihoodKernels.SumPoisson(_lambda, objective.MainData, _context)) + objective.MainConstant;

        Gather(pars, layout.GaussParam, _gaussTheta);
        twiceNll += LikelihoodKernels.SumGaussian(_gaussTheta, objective.GaussAux, layout.GaussInverseSigma, _context) + layout.GaussConstant;

        Gather(pars, layout.PoissonParam, _poissonGamma);
        twiceNll += (2.0 * LikelihoodKernels.SumPoissonConstraint(_poissonGamma, layout.PoissonTau, objective.PoissonAux, _context)) + objective.PoissonConstant;

        if (gradient.IsEmpty)
        {
            return twiceNll;
        }

        if (gradient.Length != layout.ParameterCount)
        {
            throw new ArgumentException($"expected a gradient of length {layout.ParameterCount}, got {gradient.Length}", nameof(gradient));
        }

        Gradient(objective, pars, gradient);
        return twiceNll;
    }

    private void Gradient(HistFactoryObjective objective, ReadOnlySpan<double> pars, Span<double> gradient)
    {
        ModelLayout layout = _layout;
        gradient.Clear();

        LikelihoodKernels.PoissonWeights(_binWeight, _lambda, objective.MainData, _context);
        Gather(_binWeight, layout.BinOfEntry, _entryWeight);
        LikelihoodKernels.LogFactorWeights(_logWeight, _entryWeight, _yields, _context);
        LikelihoodKernels.ZeroFactorWeights(_zeroWeight, _entryWeight, _shifted, _product, _zeros, _context);

        // Block sums of the weights: normfactor, lumi and normsys act on whole (channel, sample) blocks.
        int[] blockStart = layout.BlockStart;
        int[] blockLength = layout.BlockLength;
        for (int b = 0; b < blockStart.Length; b++)
        {
            double logSum = 0.0;
            double zeroSum = 0.0;
            int end = blockStart[b] + blockLength[b];
            for (int e = blockStart[b]; e < end; e++)
            {
                logSum += _logWeight[e];
                zeroSum += _zeroWeight[e];
            }

            _blockLogWeight[b] = logSum;
            _blockZeroWeight[b] = zeroSum;
        }

        int[] histoParam = layout.HistoRowParam;
        if (histoParam.Length > 0)
        {
            LikelihoodKernels.ShiftWeights(_shiftWeight, _entryWeight, _product, _zeros, _context);
            for (int r = 0; r < histoParam.Length; r++)
            {
                int offset = layout.HistoRowOffset[r];
                int length = layout.HistoRowLength[r];
                (double onP, double onQ) = HistoSysKernels.ProjectionSums(_shiftWeight.AsSpan(layout.HistoRowEntry[r], length), layout.HistoP.AsSpan(offset, length), layout.HistoQ.AsSpan(offset, length), _context);
                gradient[histoParam[r]] += (_histoDp[r] * onP) + (_histoDq[r] * onQ);
            }
        }

        int[] normParam = layout.NormRowParam;
        for (int r = 0; r < normParam.Length; r++)
        {
            int offset = layout.NormRowOffset[r];
            int length = layout.NormRowLength[r];
            gradient[normParam[r]] += NormSysKernels.SumLogDerivativeWeights(_normDerivative.AsSpan(offset, length), _normValue.AsSpan(offset, length), _blockLogWeight.AsSpan(layout.NormRowBlock[r], length), _context);
        }

        int[] factorBlock = layout.BlockFactorBlock;
        int[] factorParam = layout.BlockFactorParam;
        for (int j = 0; j < factorBlock.Length; j++)
        {
            double f = pars[factorParam[j]];
            int b = factorBlock[j];
            gradient[factorParam[j]] += f != 0.0 ? _blockLogWeight[b] / f : _blockZeroWeight[b];
        }

        int[] entryParam = layout.EntryFactorParam;
        int[] entryIndex = layout.EntryFactorEntry;
        for (int k = 0; k < entryParam.Length; k++)
        {
            double f = pars[entryParam[k]];
            int e = entryIndex[k];
            gradient[entryParam[k]] += f != 0.0 ? _logWeight[e] / f : _zeroWeight[e];
        }

        LikelihoodKernels.GaussianDerivatives(_gaussDerivative, _gaussTheta, objective.GaussAux, layout.GaussInverseSigma, _context);
        Scatter(_gaussDerivative, layout.GaussParam, gradient);
        LikelihoodKernels.PoissonConstraintDerivatives(_poissonDerivative, _poissonGamma, layout.PoissonTau, objective.PoissonAux, _context);
        Scatter(_poissonDerivative, layout.PoissonParam, gradient);
    }

    private void MultiplyBlock(int block, double factor)
    {
        int start = _layout.BlockStart[block];
        int end = start + _layout.BlockLength[block];
        if (factor == 0.0)
        {
            for (int e = start; e < end; e++)
            {
                _zeros[e] += 1.0;
            }
        }
        else
        {
            for (int e = start; e < end; e++)
            {
                _product[e] *= factor;
            }
        }
    }

    private static void Gather(ReadOnlySpan<double> source, int[] index, Span<double> destination)
    {
        for (int i = 0; i < index.Length; i++)
        {
            destination[i] = source[index[i]];
        }
    }

    private static void Scatter(ReadOnlySpan<double> source, int[] index, Span<double> destination)
    {
        for (int i = 0; i < index.Length; i++)
        {
            destination[index[i]] += source[i];
        }
    }
}
